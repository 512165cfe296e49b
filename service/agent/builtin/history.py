"""What earlier messages of the conversation say, read only from the stored history.

Nothing is kept between requests: "it" and "which one?" answers are worked out
from the messages handed to the agent, so another replica, or the same one after
a restart, understands them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from service.agent.base import HistoryMessage
from service.agent.undo import CHANGING_TOOLS

# "#3", "task 3", "task #3", "task number 3" in a message's text.
_TASK_MENTION = re.compile(r"(?:#|\btask\s+(?:number\s+)?#?)(\d+)\b", re.IGNORECASE)
# Double-quoted spans are examples ('like "task 3"' in the help) or titles,
# never the task a message is about: they are left out when looking for one.
_DOUBLE_QUOTED = re.compile(r'"[^"]*"')
_TASK_NUMBER_IN_REPLY = re.compile(r"#(\d+)\b")


def last_named_task(history: Sequence[HistoryMessage]) -> int | None:
    """The task most recently named before the current (last) message, if clear.

    Newest first, each message gives: the task of its last tool call that named
    one (a task_id, or a list that found exactly one task); else the one task
    number its text mentions. A message naming several tasks at once (a list, a
    "which one?" question) makes the reference unclear: None, so the agent asks.
    """
    for message in reversed(history[:-1]):
        if len(_changed_tasks(message)) > 1:  # "complete 3 and 4": "it" is unclear
            return None
        for call in reversed(message.tool_calls):
            found = _task_named_by_result(call.name, call.result)
            if found is not None:
                return found if found > 0 else None
            if call.name == "list_tasks":
                # The last thing shown was a list naming no task ("You have no
                # completed tasks."): "it" cannot mean anything older.
                return None
        mentioned = _mentioned_tasks(message.content)
        if len(mentioned) == 1:
            return mentioned[0]
        if len(mentioned) > 1:
            return None
    return None


# The first words of the question a deletion of several tasks asks first; the
# next message's "yes" carries it out (see `pending_deletion`).
CONFIRM_DELETION = "Delete these"


def last_reply_tasks(history: Sequence[HistoryMessage]) -> list[int]:
    """What "them" may mean: the tasks the reply just before listed, else changed.

    Only that reply counts, never an older one: a plural reference to anything
    else is unclear, and the agent asks rather than guess.
    """
    shown = shown_list(history)
    if shown is not None:
        return [task_id for task in shown.tasks if (task_id := _task_id(task)) is not None]
    if len(history) < 2 or history[-2].role != "assistant":
        return []
    return _changed_tasks(history[-2])


def pending_deletion(history: Sequence[HistoryMessage]) -> list[int]:
    """The tasks the reply just before asked to delete ("Delete these 2 tasks? ..."), if it did.

    The question is the stored assistant message itself, so the confirmation
    works on any replica, and lapses as soon as any other message comes between.
    """
    if len(history) < 2 or history[-2].role != "assistant":
        return []
    question = history[-2].content
    # The text first: it rules out almost every reply without decoding its calls.
    if not question.startswith(CONFIRM_DELETION):
        return []
    if any(call.name != "list_tasks" for call in history[-2].tool_calls):
        return []  # it changed something: not a question
    listed = question.split("?", 1)[1] if "?" in question else ""
    listed = _DOUBLE_QUOTED.sub(" ", listed)
    return list(dict.fromkeys(int(number) for number in _TASK_NUMBER_IN_REPLY.findall(listed)))


class Shown(NamedTuple):
    """The tasks a reply listed, in order, and the words searched for to find them."""

    tasks: list[dict[str, Any]]
    query: str | None


def shown_list(history: Sequence[HistoryMessage]) -> Shown | None:
    """The numbered tasks the reply just before the current message listed, if it listed any.

    That is what "the second one" counts in: a list, or a "which one?" question.
    They come from its stored list_tasks result, and count only when the reply
    named every one of them ("#3 Buy milk") and ran no other tool: a reply that
    changed a task looked it up, it showed no list.
    """
    if len(history) < 2 or history[-2].role != "assistant":
        return None
    reply = history[-2]
    if not reply.tool_calls or any(call.name != "list_tasks" for call in reply.tool_calls):
        return None
    named = set(_TASK_NUMBER_IN_REPLY.findall(reply.content))
    for call in reversed(reply.tool_calls):
        tasks = [task for task in call.result.get("tasks") or [] if _task_id(task) is not None]
        if tasks and {str(_task_id(task)) for task in tasks} <= named:
            query = call.arguments.get("q")
            return Shown(tasks, query if isinstance(query, str) else None)
    return None


def titles_of(task_id: int, history: Sequence[HistoryMessage]) -> list[str]:
    """The titles stored tool results gave task `task_id`, newest first."""
    titles: list[str] = []
    for message in reversed(history):
        for call in reversed(message.tool_calls):
            tasks = call.result.get("tasks")
            for task in [call.result, *(tasks if isinstance(tasks, list) else [])]:
                if _task_id(task) == task_id and isinstance(task.get("title"), str):
                    titles.append(task["title"])
    return list(dict.fromkeys(titles))


def _task_id(task: Any) -> int | None:
    """The id of a task or tool result (`id` or `task_id`), if it is one."""
    if not isinstance(task, dict):
        return None
    found = task.get("task_id", task.get("id"))
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def _changed_tasks(message: HistoryMessage) -> list[int]:
    """The tasks a message's calls changed, each once, in the order changed."""
    changed = [
        task_id
        for call in message.tool_calls
        if call.name in CHANGING_TOOLS
        and "error" not in call.result
        and (task_id := _task_id(call.result)) is not None
    ]
    return list(dict.fromkeys(changed))


def _mentioned_tasks(text: str) -> list[int]:
    """Task numbers a message's text names, outside double quotes, first mention first."""
    unquoted = _DOUBLE_QUOTED.sub(" ", text)
    return list(dict.fromkeys(int(number) for number in _TASK_MENTION.findall(unquoted)))


def _task_named_by_result(tool: str, result: dict[str, Any]) -> int | None:
    """A task id; 0 when the result names several tasks; None when it names none."""
    if "error" in result:
        return None
    task_id = result.get("task_id")
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        return task_id
    tasks = result.get("tasks")
    if tool == "list_tasks" and isinstance(tasks, list) and tasks:
        first = tasks[0].get("id") if isinstance(tasks[0], dict) else None
        if len(tasks) > 1:
            return 0
        return first if isinstance(first, int) else None
    return None


def unanswered_request(history: Sequence[HistoryMessage]) -> str | None:
    """The previous user message, if the reply to it changed no task.

    That is the request a bare "#3" answers, after "I found 2 tasks matching
    "milk" ... Which one?". A request that was carried out is not repeated.
    """
    earlier = list(history[:-1])
    for position in range(len(earlier) - 1, -1, -1):
        message = earlier[position]
        if message.role != "user":
            continue
        replies = earlier[position + 1 :]
        changed = any(
            call.name in CHANGING_TOOLS and "error" not in call.result
            for reply in replies
            for call in reply.tool_calls
        )
        return None if changed else message.content
    return None
