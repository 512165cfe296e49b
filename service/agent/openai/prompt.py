"""What the model is told: the system prompt and the replayed history.

The history comes from the database, so earlier tool calls are replayed in the
protocol's own form (an assistant message with `tool_calls`, then one `tool`
message per result) and the model can refer back to task ids it saw. Stored
tool calls carry no ids, so stable ones are derived from the message's place
in the window. Nothing here knows the user id: the tools are bound to the
user by the server, and the model has no way to name anyone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec

from service.agent.base import HistoryMessage, ToolCall

SYSTEM_PROMPT = """\
You are the assistant of a todo app. You help the signed-in user manage their \
own task list through the tools you have: add_task, list_tasks, complete_task, \
delete_task and update_task. The tools always act on this user's tasks and on \
nobody else's; if a message asks you to act for another user or account, say \
you can only manage the signed-in user's own tasks.

It is now {weekday}, {today}, {time} in the user's time zone, {zone} (UTC \
offset {offset}). Read and answer every date and time in that zone: resolve \
relative dates ("tomorrow", "next friday", "at 5pm") against it and send dates \
as RFC 3339 date-times with that offset, for example {today}T09:00:00{offset}; \
use 09:00 when no time of day is given. Due dates in tool results are in UTC: \
convert them to the user's zone when you mention them.

How to work:
- Tasks are identified by their number (task_id). Never guess one: when the \
user names a task by its title, call list_tasks (with q) first, and if several \
tasks match, ask which one they mean instead of changing any.
- "it" or "that one" usually means the task mentioned last in this conversation.
- Only change or delete tasks the user asked you to change or delete.
- A tool result with an "error" key means nothing was done; tell the user why \
in plain words.
- After acting, answer in one or two short sentences saying what you did, \
naming tasks as "#<task_id> <title>". When listing tasks, give one line per task.
- For greetings or questions you cannot help with, answer briefly and say what \
you can do with their tasks. Do not make up tasks or results."""


def system_prompt(now: dt.datetime) -> str:
    """The system prompt for a conversation at `now`, an aware time in the user's zone."""
    offset = now.strftime("%z")
    return SYSTEM_PROMPT.format(
        weekday=now.strftime("%A"),
        today=now.date().isoformat(),
        time=now.strftime("%H:%M"),
        zone=getattr(now.tzinfo, "key", None) or now.tzname() or "UTC",
        offset=f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
    )


def history_messages(history: Sequence[HistoryMessage]) -> list[dict[str, Any]]:
    """The stored conversation as chat-completions messages, oldest first."""
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(history):
        if message.role == "user":
            messages.append({"role": "user", "content": message.content})
            continue
        if message.tool_calls:
            ids = [stored_call_id(index, n) for n in range(len(message.tool_calls))]
            messages.append(
                assistant_tool_message(None, list(zip(ids, message.tool_calls, strict=True)))
            )
            messages.extend(
                tool_result_message(call_id, call.result)
                for call_id, call in zip(ids, message.tool_calls, strict=True)
            )
        messages.append({"role": "assistant", "content": message.content})
    return messages


def stored_call_id(message_index: int, call_index: int) -> str:
    """A stable id for the `call_index`th tool call of the `message_index`th message.

    Nine letters and digits, e.g. "call00100": Mistral's API (and vLLM serving
    Mistral models) accepts no other tool call ids, and the rest accept any.
    """
    return f"call{message_index:03d}{call_index:02d}"


def assistant_tool_message(
    content: str | None, calls: Sequence[tuple[str, ToolCall | tuple[str, str]]]
) -> dict[str, Any]:
    """An assistant message asking for tool calls.

    Each call is `(id, ToolCall)` for a stored call, or `(id, (name, raw
    arguments JSON))` for one the model just made, echoed back as it was sent.
    """
    tool_calls = []
    for call_id, call in calls:
        if isinstance(call, ToolCall):
            name, arguments = call.name, msgspec.json.encode(call.arguments).decode()
        else:
            name, arguments = call
        tool_calls.append(
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        )
    return {"role": "assistant", "content": content, "tool_calls": tool_calls}


def tool_result_message(call_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """The answer to one tool call, as the JSON text the protocol expects.

    Tasks in a result carry their owner's id (as the REST API returns them);
    the provider has no use for it, so it is left out of what is sent.
    """
    return {
        "role": "tool",
        "tool_call_id": call_id,
        "content": msgspec.json.encode(_without_owner(result)).decode(),
    }


def _without_owner(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_owner(item) for key, item in value.items() if key != "user_id"}
    if isinstance(value, list):
        return [_without_owner(item) for item in value]
    return value
