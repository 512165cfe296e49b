"""Finding the task(s) a message means, and reading a task's current fields.

A task named by title is looked up with list_tasks(q=...). Several matches ask
"which one?" unless exactly one title equals the words (ignoring case), or, when
completing or reopening, exactly one match is in the state that can change.
Numbers, places in the last list ("the second one") and back-references ("it")
are read from the stored history; they need no tool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from service.agent.base import HistoryMessage, Toolbox
from service.agent.builtin import replies
from service.agent.builtin.history import (
    last_named_task,
    last_reply_tasks,
    shown_list,
    titles_of,
)
from service.agent.builtin.intents import (
    AllTasks,
    BackReference,
    ByNumber,
    ByNumbers,
    ByPosition,
    ByTitle,
    PluralReference,
    TaskRef,
)
from service.agent.builtin.typos import closest_titles
from service.agent.builtin.words import IRREGULAR_PAST

# How many titles from the history to try when reading a task named by number.
_TITLES_TRIED = 2


class Found:
    """A task the user named: its number, and its stored fields when a lookup gave them."""

    def __init__(self, task_id: int, task: dict[str, Any] | None = None) -> None:
        self.task_id = task_id
        self.task = task


async def find_tasks(
    task: TaskRef | None,
    history: Sequence[HistoryMessage],
    toolbox: Toolbox,
    *,
    want_completed: bool | None = None,
) -> list[Found] | str:
    """The tasks meant (one, or several for "3 and 4"), or the question or apology to
    reply with instead.

    `want_completed` prefers title matches in that state ("complete milk" looks
    at the pending ones first).
    """
    match task:
        case ByNumber():
            return [Found(task.task_id)]
        case ByNumbers():
            return [Found(task_id) for task_id in task.task_ids]
        case PluralReference():
            listed = last_reply_tasks(history)
            return [Found(task_id) for task_id in listed] if listed else replies.WHICH_TASKS
        case AllTasks():
            return await find_set(task, toolbox, want_completed=want_completed)
        case BackReference() | ByPosition():
            task_id = resolve_reference(task, history)
            return task_id if isinstance(task_id, str) else [Found(task_id)]
        case ByTitle():
            found = await find_by_title(task.text, toolbox, want_completed=want_completed)
            if found is None and len(parts := several_titles(task.text)) > 1:
                return await _find_each(parts, toolbox, want_completed)
            if found is None:
                return not_found(task.text)
            return found if isinstance(found, str) else [found]
    return replies.WHICH_TASK


_NO_TASKS = {
    "completed": "You have no completed tasks.",
    "pending": "You have no pending tasks.",
    "all": "You have no tasks.",
}


_TITLE_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)


def several_titles(text: str) -> list[str]:
    """ "pay electricity bill and call plumber" -> both; tried only when no title
    holds the whole text ("Buy milk and eggs" is one task)."""
    return [part for part in _TITLE_SEPARATOR.split(text) if part]


async def _find_each(
    parts: Sequence[str], toolbox: Toolbox, want_completed: bool | None
) -> list[Found] | str:
    """Every part names one task, or the reply is the first question or miss."""
    found = []
    for part in parts:
        match = await find_by_title(part, toolbox, want_completed=want_completed)
        if match is None:
            return not_found(part)
        if isinstance(match, str):
            return match
        found.append(match)
    return list({task.task_id: task for task in found}.values())


async def find_set(
    task: AllTasks, toolbox: Toolbox, *, want_completed: bool | None = None
) -> list[Found] | str:
    """Every task of the set, as list_tasks gives them; "mark everything as done" takes
    the pending ones, "reopen everything" the completed ones."""
    status = task.status
    if status == "all" and want_completed is not None:
        status = "completed" if want_completed else "pending"
    result = await toolbox.call("list_tasks", {"status": status})
    if "error" in result:
        return f"Sorry, I couldn't look up your tasks: {result['error']}"
    tasks = [found for found in result.get("tasks") or [] if isinstance(found, dict)]
    if not tasks:
        return {
            "completed": "You have no completed tasks.",
            "pending": "You have no pending tasks.",
        }.get(status, "You have no tasks.")
    if isinstance(result.get("count"), int) and result["count"] > len(tasks):
        return replies.too_many_at_once(len(tasks))
    return [Found(found["id"], found) for found in tasks]


def resolve_reference(
    task: BackReference | ByPosition, history: Sequence[HistoryMessage]
) -> int | str:
    """The number of the task "it" or "the second one" means, or the question to ask.

    "the last one" is the last task listed just before; with no list shown it
    is the task named last, like "it".
    """
    shown = shown_list(history) if isinstance(task, ByPosition) else None
    if shown is not None and isinstance(task, ByPosition):
        if task.position > len(shown.tasks):
            count = len(shown.tasks)
            return f"I only listed {count} task{'s' if count != 1 else ''}. Which one do you mean?"
        task_id: int = shown.tasks[task.position - 1 if task.position > 0 else -1]["id"]
        return task_id
    if isinstance(task, ByPosition) and task.position != -1:
        return replies.WHICH_TASK
    named = last_named_task(history)
    return named if named is not None else replies.WHICH_TASK


async def find_by_title(
    text: str, toolbox: Toolbox, *, want_completed: bool | None = None
) -> Found | str | None:
    """The one task whose title matches `text`; a question or apology; None: no match."""
    for query in search_variants(text):
        result = await toolbox.call("list_tasks", {"status": "all", "q": query})
        if "error" in result:
            return f"Sorry, I couldn't look up that task: {result['error']}"
        matches = [found for found in result.get("tasks") or [] if isinstance(found, dict)]
        if matches:
            chosen = _pick_one(matches, query, want_completed)
            return Found(chosen["id"], chosen) if chosen else replies.which_one(query, matches)
    return await _find_despite_typos(text, toolbox, want_completed)


async def _find_despite_typos(
    text: str, toolbox: Toolbox, want_completed: bool | None
) -> Found | str | None:
    """No title contains `text`: the one title it misspells, if one is clearly meant.

    Reads the tasks a completion would change first (the pending ones to
    complete), then all; list_tasks gives the first page of them.
    """
    statuses = ["all"]
    if want_completed is not None:
        statuses.insert(0, "completed" if want_completed else "pending")
    for status in statuses:
        result = await toolbox.call("list_tasks", {"status": status})
        if "error" in result:
            return None
        tasks = [task for task in result.get("tasks") or [] if isinstance(task, dict)]
        closest = closest_titles(text, tasks)
        if len(closest) == 1:
            return Found(closest[0]["id"], closest[0])
        if len(closest) > 1:
            return replies.which_one(text, closest)
    return None


def not_found(text: str) -> str:
    return f'I couldn\'t find a task matching "{text}".'


def search_variants(text: str) -> list[str]:
    """The words as given, then with a leading "-ing" or past-tense verb made plain.

    "calling mom" -> "calling mom", "call mom", "cal mom", "calle mom"; "called mom"
    -> ..., "call mom"; "paid rent" -> "pay rent". Only the first word changes: it
    is the verb of "I finished calling mom" or "I called mom". A wrong candidate
    matches nothing and costs one lookup, tried only after the better ones found
    nothing.
    """
    first, _, rest = text.partition(" ")
    lowered = first.lower()
    stems: list[str] = []
    if lowered.endswith("ing") and len(lowered) >= 5:
        stem = first[:-3]
        stems = [stem, f"{stem}e"]
        if len(stem) >= 3 and stem[-1] == stem[-2]:
            stems.insert(1, stem[:-1])  # "getting" -> "get"
    elif lowered in IRREGULAR_PAST:
        stems = [IRREGULAR_PAST[lowered]]
    elif lowered.endswith("ed") and len(lowered) >= 5:
        stems = [first[:-2], first[:-1]]  # "called" -> "call", "baked" -> "bake"
        if lowered.endswith("ied"):
            stems.insert(0, f"{first[:-3]}y")  # "emptied" -> "empty"
        elif lowered[-3] == lowered[-4]:
            stems.insert(1, first[:-3])  # "stopped" -> "stop"
    variants = [text, *(f"{stem} {rest}".strip() for stem in stems)]
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


async def current_task(
    found: Found, history: Sequence[HistoryMessage], toolbox: Toolbox
) -> dict[str, Any] | str:
    """The task's stored fields now, for a change that builds on them (its tags).

    The tools have no "get task by number", and list_tasks answers with the
    first 100 tasks only: reading a task from the whole list would miss one
    beyond that, and merging its tags with nothing would drop the old ones. So
    the read is narrowed by the task's title, which matches few tasks: from this
    turn's lookup when it was named by title, else from what the stored history
    says task #N is called. Only failing that is the whole list read, and a task
    not on it is left alone rather than guessed at: this returns the sentence
    to reply with instead.
    """
    if found.task is not None:
        return found.task
    for title in titles_of(found.task_id, history)[:_TITLES_TRIED]:
        result = await toolbox.call("list_tasks", {"status": "all", "q": title})
        if task := _with_id(result, found.task_id):
            return task
    result = await toolbox.call("list_tasks", {"status": "all"})
    if task := _with_id(result, found.task_id):
        return task
    tasks = result.get("tasks") or []
    if "error" in result or result.get("count", 0) > len(tasks):
        return (
            f"I couldn't read the tags task #{found.task_id} has now, so I left it as it "
            'is. Name it by its title and I\'ll find it, like "tag buy milk with work".'
        )
    return f"I couldn't find task #{found.task_id}."


def _with_id(result: dict[str, Any], task_id: int) -> dict[str, Any] | None:
    for task in result.get("tasks") or []:
        if isinstance(task, dict) and task.get("id") == task_id:
            return task
    return None
