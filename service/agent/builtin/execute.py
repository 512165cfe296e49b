"""Intent -> tool calls -> reply text.

A task named by title is looked up with list_tasks(q=...). Several matches ask
"which one?" unless exactly one title equals the words (ignoring case), or, when
completing or reopening, exactly one match is in the state that can change.
Nothing is changed while a question is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from service.agent.base import HistoryMessage, Toolbox
from service.agent.builtin import replies
from service.agent.builtin.history import last_named_task
from service.agent.builtin.intents import (
    AddTask,
    BackReference,
    ByNumber,
    DeleteTask,
    ListTasks,
    SetCompleted,
    SmallTalk,
    TaskRef,
    UpdateTask,
)

_MISSING_TASK_WORDS = ("not found", "no such", "does not exist", "doesn't exist", "no task")


class Found:
    """A task the user named: its number, and its stored fields when a lookup gave them."""

    def __init__(self, task_id: int, task: dict[str, Any] | None = None) -> None:
        self.task_id = task_id
        self.task = task


async def add_task(intent: AddTask, toolbox: Toolbox, today: dt.date) -> str:
    """Create the task and describe it; ask for a title if there is none."""
    if not intent.title:
        return replies.WHAT_TITLE
    arguments: dict[str, Any] = {"title": intent.title}
    if intent.priority is not None:
        arguments["priority"] = intent.priority
    if intent.due_at is not None:
        arguments["due_at"] = intent.due_at.isoformat()
    if intent.tags:
        arguments["tags"] = list(intent.tags)
    result = await toolbox.call("add_task", arguments)
    if "error" in result:
        return f"Sorry, I couldn't add that task: {result['error']}"
    extra = replies.details(
        due_at=intent.due_at, priority=intent.priority, tags=intent.tags, today=today
    )
    return f"Added task #{result.get('task_id')}: {result.get('title', intent.title)}{extra}."


async def list_tasks(intent: ListTasks, toolbox: Toolbox, today: dt.date) -> str:
    """Run list_tasks with the intent's filters and list what came back."""
    arguments: dict[str, Any] = {"status": intent.status}
    optional = {"q": intent.query, "priority": intent.priority, "tag": intent.tag}
    arguments |= {name: value for name, value in optional.items() if value is not None}
    if intent.due_before is not None:
        arguments["due_before"] = intent.due_before.isoformat()
    if intent.due_after is not None:
        arguments["due_after"] = intent.due_after.isoformat()
    result = await toolbox.call("list_tasks", arguments)
    if "error" in result:
        return f"Sorry, I couldn't list your tasks: {result['error']}"
    return replies.list_reply(intent, result, today)


async def set_completed(
    intent: SetCompleted, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> str:
    """Complete or reopen the named task."""
    found = await find_task(intent.task, history, toolbox, want_completed=not intent.completed)
    if isinstance(found, str):
        return found
    arguments = {"task_id": found.task_id, "completed": intent.completed}
    result = await toolbox.call("complete_task", arguments)
    if "error" in result:
        return _failure(found.task_id, result)
    if intent.completed:
        return f"Marked {replies.quoted_title(result, found.task_id)} as done."
    return f"Reopened {replies.quoted_title(result, found.task_id)}."


async def delete_task(
    intent: DeleteTask, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> str:
    """Delete the named task."""
    found = await find_task(intent.task, history, toolbox)
    if isinstance(found, str):
        return found
    result = await toolbox.call("delete_task", {"task_id": found.task_id})
    if "error" in result:
        return _failure(found.task_id, result)
    return f"Deleted {replies.quoted_title(result, found.task_id)}."


async def update_task(
    intent: UpdateTask, history: Sequence[HistoryMessage], toolbox: Toolbox, today: dt.date
) -> str:
    """Change the named task; new tags are added to those it already has."""
    if intent.changes_nothing():
        return replies.WHAT_CHANGE
    found = await find_task(intent.task, history, toolbox)
    if isinstance(found, str):
        return found
    arguments: dict[str, Any] = {"task_id": found.task_id}
    fields = {"title": intent.title, "description": intent.description}
    arguments |= {name: value for name, value in fields.items() if value is not None}
    arguments |= {"priority": intent.priority} if intent.priority is not None else {}
    if intent.due_at is not None:
        arguments["due_at"] = intent.due_at.isoformat()
    if intent.add_tags:
        current = found.task or await _task_by_id(found.task_id, toolbox) or {}
        arguments["tags"] = list(dict.fromkeys([*current.get("tags", []), *intent.add_tags]))
    result = await toolbox.call("update_task", arguments)
    if "error" in result:
        return _failure(found.task_id, result)
    return replies.update_reply(intent, found.task_id, result, today)


def small_talk(intent: SmallTalk) -> str:
    """Greeting, help, thanks or not understood: what the agent can do."""
    return replies.SMALL_TALK[intent.kind]


async def find_task(
    task: TaskRef | None,
    history: Sequence[HistoryMessage],
    toolbox: Toolbox,
    *,
    want_completed: bool | None = None,
) -> Found | str:
    """The task meant, or the question or apology to reply with instead.

    `want_completed` prefers title matches in that state ("complete milk" looks
    at the pending ones first).
    """
    if isinstance(task, ByNumber):
        return Found(task.task_id)
    if isinstance(task, BackReference):
        task_id = last_named_task(history)
        return Found(task_id) if task_id is not None else replies.WHICH_TASK
    if task is None:
        return replies.WHICH_TASK
    for query in search_variants(task.text):
        result = await toolbox.call("list_tasks", {"status": "all", "q": query})
        if "error" in result:
            return f"Sorry, I couldn't look up that task: {result['error']}"
        matches = [found for found in result.get("tasks") or [] if isinstance(found, dict)]
        if matches:
            chosen = _pick_one(matches, query, want_completed)
            return Found(chosen["id"], chosen) if chosen else replies.which_one(query, matches)
    return f'I couldn\'t find a task matching "{task.text}".'


def search_variants(text: str) -> list[str]:
    """The words as given, then with a leading "-ing" verb made plain.

    "calling mom" -> "calling mom", "call mom", "cal mom", "calle mom"; "taking out
    the bins" -> ..., "take out the bins". Only the first word changes: it is the verb
    of "I finished calling mom". A wrong candidate matches nothing and costs one
    lookup, tried only after the better ones found nothing.
    """
    first, _, rest = text.partition(" ")
    variants = [text]
    lowered = first.lower()
    if lowered.endswith("ing") and len(lowered) >= 5:
        stem = first[:-3]
        stems = [stem, f"{stem}e"]
        if len(stem) >= 3 and stem[-1] == stem[-2]:
            stems.insert(1, stem[:-1])  # "getting" -> "get"
        variants += [f"{candidate} {rest}".strip() for candidate in stems]
    return list(dict.fromkeys(variants))


def _pick_one(
    matches: list[dict[str, Any]], query: str, want_completed: bool | None
) -> dict[str, Any] | None:
    if len(matches) == 1:
        return matches[0]
    pool = matches
    if want_completed is not None:
        pool = [task for task in matches if bool(task.get("completed")) == want_completed] or pool
        if len(pool) == 1:
            return pool[0]
    exact = [task for task in pool if str(task.get("title", "")).casefold() == query.casefold()]
    return exact[0] if len(exact) == 1 else None


async def _task_by_id(task_id: int, toolbox: Toolbox) -> dict[str, Any] | None:
    """The stored task, to know its tags; None if the first page of tasks lacks it."""
    result = await toolbox.call("list_tasks", {"status": "all"})
    for task in result.get("tasks") or []:
        if isinstance(task, dict) and task.get("id") == task_id:
            return task
    return None


def _failure(task_id: int, result: dict[str, Any]) -> str:
    error = str(result.get("error", ""))
    if any(words in error.lower() for words in _MISSING_TASK_WORDS):
        return f"I couldn't find task #{task_id}."
    return f"Sorry, that didn't work for task #{task_id}: {error}"
