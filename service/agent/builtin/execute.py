"""Intent -> tool calls -> reply text.

Which task a message means is worked out by `lookup`; nothing is changed while
a question is open. A command about several tasks ("complete 3 and 4") runs
the tool once per task, and the reply names each, then says what failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from service.agent.base import HistoryMessage, Toolbox
from service.agent.builtin import lookup, replies
from service.agent.builtin.history import titles_of
from service.agent.builtin.intents import (
    AddTask,
    AllTasks,
    ByTitle,
    DeleteTask,
    ListTasks,
    SetCompleted,
    SmallTalk,
    UpdateTask,
)
from service.agent.builtin.replies import Done

_MISSING_TASK_WORDS = ("not found", "no such", "does not exist", "doesn't exist", "no task")
_CLEARED: dict[str, Any] = {"description": None, "due_at": None, "tags": []}


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


async def list_tasks(
    intent: ListTasks, toolbox: Toolbox, today: dt.date, zone: dt.tzinfo = dt.UTC
) -> str:
    """Run list_tasks with the intent's filters and list what came back."""
    arguments: dict[str, Any] = {"status": intent.status}
    optional = {"q": intent.query, "priority": intent.priority, "tag": intent.tag}
    arguments |= {name: value for name, value in optional.items() if value is not None}
    if intent.overdue:
        arguments["due_before"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    elif intent.due_before is not None:
        arguments["due_before"] = intent.due_before.isoformat()
    if intent.due_after is not None:
        arguments["due_after"] = intent.due_after.isoformat()
    result = await toolbox.call("list_tasks", arguments)
    if "error" in result:
        return f"Sorry, I couldn't list your tasks: {result['error']}"
    return replies.list_reply(intent, result, today, zone)


async def set_completed(
    intent: SetCompleted, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> str:
    """Complete or reopen the named task(s)."""
    found = await lookup.find_tasks(
        intent.task, history, toolbox, want_completed=not intent.completed
    )
    if isinstance(found, str):
        return found
    if len(found) > toolbox.room():
        return replies.too_many_at_once(toolbox.budget.max_tool_calls)
    outcomes = []
    for task in found:
        arguments = {"task_id": task.task_id, "completed": intent.completed}
        outcomes.append(_outcome(task.task_id, await toolbox.call("complete_task", arguments)))
    if intent.completed:
        return replies.for_each(outcomes, lambda done: f"Marked {replies.names(done)} as done.")
    return replies.for_each(outcomes, lambda done: f"Reopened {replies.names(done)}.")


async def delete_task(
    intent: DeleteTask, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> str:
    """Delete the named task; several only after the user confirms (see `delete_confirmed`)."""
    found = await lookup.find_tasks(intent.task, history, toolbox)
    if isinstance(found, str):
        return found
    if len(found) > toolbox.room():
        return replies.too_many_at_once(toolbox.budget.max_tool_calls)
    if len(found) > 1 or isinstance(intent.task, AllTasks):
        return replies.confirm_deletion([(f.task_id, _title_of(f, history)) for f in found])
    return await delete_confirmed([f.task_id for f in found], toolbox)


async def delete_confirmed(task_ids: Sequence[int], toolbox: Toolbox) -> str:
    """Delete these tasks: one, or several the user said "yes" to."""
    if len(task_ids) > toolbox.room():
        return replies.too_many_at_once(toolbox.budget.max_tool_calls)
    outcomes = []
    found = [lookup.Found(task_id) for task_id in task_ids]
    for task in found:
        result = await toolbox.call("delete_task", {"task_id": task.task_id})
        outcomes.append(_outcome(task.task_id, result))
    return replies.for_each(outcomes, lambda done: f"Deleted {replies.names(done)}.")


async def update_task(
    intent: UpdateTask, history: Sequence[HistoryMessage], toolbox: Toolbox, today: dt.date
) -> str:
    """Change the named task(s); tags are added to or taken from those each has."""
    if intent.changes_nothing():
        return replies.WHAT_CHANGE
    targets = await _update_targets(intent, history, toolbox)
    if isinstance(targets, str):
        return targets
    intent, found = targets
    if len(found) > toolbox.room():
        return replies.too_many_at_once(toolbox.budget.max_tool_calls)
    outcomes = [await _update_one(intent, task, history, toolbox) for task in found]
    return replies.for_each(outcomes, lambda done: replies.update_reply(intent, done, today))


async def _update_targets(
    intent: UpdateTask, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> tuple[UpdateTask, list[lookup.Found]] | str:
    """The tasks to change, and which reading of "rename go to gym to gym session" found them.

    Each split is tried, the last "to" first; the first whose title matches a
    task (or several: then "which one?") is the one meant.
    """
    if not (isinstance(intent.task, ByTitle) and intent.other_splits):
        found = await lookup.find_tasks(intent.task, history, toolbox)
        return found if isinstance(found, str) else (intent, found)
    for reading in intent.readings():
        assert isinstance(reading.task, ByTitle)
        match = await lookup.find_by_title(reading.task.text, toolbox)
        if match is not None:
            return match if isinstance(match, str) else (reading, [match])
    return lookup.not_found(intent.task.text)


async def _update_one(
    intent: UpdateTask, found: lookup.Found, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> Done | str:
    arguments: dict[str, Any] = {"task_id": found.task_id}
    fields = {"title": intent.title, "description": intent.description}
    arguments |= {name: value for name, value in fields.items() if value is not None}
    arguments |= {"priority": intent.priority} if intent.priority is not None else {}
    if intent.due_at is not None:
        arguments["due_at"] = intent.due_at.isoformat()
    arguments |= {name: _CLEARED[name] for name in intent.clear}
    if intent.add_tags or intent.remove_tags:
        current = await lookup.current_task(found, history, toolbox)
        if isinstance(current, str):
            return current
        tags = [tag for tag in current.get("tags") or [] if isinstance(tag, str)]
        kept = [tag for tag in tags if tag not in intent.remove_tags]
        if intent.remove_tags and kept == tags and len(arguments) == 1 and not intent.add_tags:
            names = replies.quoted_title(current, found.task_id)
            return f"{names[0].upper()}{names[1:]} has no tag {', '.join(intent.remove_tags)}."
        arguments["tags"] = list(dict.fromkeys([*kept, *intent.add_tags]))
    return _outcome(found.task_id, await toolbox.call("update_task", arguments))


async def undo(toolbox: Toolbox) -> str:
    """Revert the conversation's last change; name each task put back."""
    result = await toolbox.call("undo_last_change", {})
    if "error" in result:
        return f"Nothing was undone: {result['error']}"
    sentences = {"restored": "put back", "reverted": "set back", "removed": "removed"}
    parts = [
        f"{sentences.get(str(task.get('status')), 'set back')} task #{task.get('task_id')} "
        f'"{task.get("title")}"'
        for task in result.get("tasks") or []
        if isinstance(task, dict)
    ]
    return f"Undid the last change: {', '.join(parts)}." if parts else "Undid the last change."


def _title_of(found: lookup.Found, history: Sequence[HistoryMessage]) -> str | None:
    if found.task is not None and isinstance(found.task.get("title"), str):
        return str(found.task["title"])
    titles = titles_of(found.task_id, history)
    return titles[0] if titles else None


def small_talk(intent: SmallTalk) -> str:
    """Greeting, help, thanks or not understood: what the agent can do."""
    return replies.SMALL_TALK[intent.kind]


def _outcome(task_id: int, result: dict[str, Any]) -> Done | str:
    """A tool's result as a change made, or the sentence saying it failed."""
    if "error" not in result:
        return Done(task_id, result)
    error = str(result.get("error", ""))
    if any(words in error.lower() for words in _MISSING_TASK_WORDS):
        return f"I couldn't find task #{task_id}."
    return f"Sorry, that didn't work for task #{task_id}: {error}"
