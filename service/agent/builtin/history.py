"""What earlier messages of the conversation say, read only from the stored history.

Nothing is kept between requests: "it" and "which one?" answers are worked out
from the messages handed to the agent, so another replica, or the same one after
a restart, understands them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from service.agent.base import HistoryMessage

# "#3", "task 3", "task #3", "task number 3" in a message's text.
_TASK_MENTION = re.compile(r"(?:#|\btask\s+(?:number\s+)?#?)(\d+)\b", re.IGNORECASE)
# Double-quoted spans are examples ('like "task 3"' in the help) or titles,
# never the task a message is about: they are left out when looking for one.
_DOUBLE_QUOTED = re.compile(r'"[^"]*"')
_CHANGING_TOOLS = ("add_task", "complete_task", "delete_task", "update_task")


def last_named_task(history: Sequence[HistoryMessage]) -> int | None:
    """The task most recently named before the current (last) message, if clear.

    Newest first, each message gives: the task of its last tool call that named
    one (a task_id, or a list that found exactly one task); else the one task
    number its text mentions. A message naming several tasks at once (a list, a
    "which one?" question) makes the reference unclear: None, so the agent asks.
    """
    for message in reversed(history[:-1]):
        for call in reversed(message.tool_calls):
            found = _task_named_by_result(call.name, call.result)
            if found is not None:
                return found if found > 0 else None
        mentioned = _mentioned_tasks(message.content)
        if len(mentioned) == 1:
            return mentioned[0]
        if len(mentioned) > 1:
            return None
    return None


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
            call.name in _CHANGING_TOOLS and "error" not in call.result
            for reply in replies
            for call in reply.tool_calls
        )
        return None if changed else message.content
    return None
