"""What a turn gives its agent: the stored conversation, bounded (SPEC 6).

Step 2 of a turn stores the user message and loads the recent history in one
statement (`start_turn`); a retry of a failed turn loads the history up to
its stored message and the tool calls its failed attempt recorded, storing
nothing new (`resume_turn`). Either way the history is cut to
CHAT_HISTORY_LIMIT messages and CHAT_HISTORY_MAX_CHARS characters, oldest
first (`bounded`). A message keeps its tool calls and their results together,
so no cut separates a call from its result; the cut history starts with a
user message, as providers expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from service.agent.base import HistoryMessage, RecordedCall, StoredCalls, ToolCall
from service.chat.contracts import recorded_calls_of
from service.http.context import AppContext
from service.http.errors import ConversationNotFound

_encode = msgspec.json.Encoder().encode


@dataclass
class TurnStart:
    """Where a turn stands before its agent runs."""

    conversation_id: int
    user_message_id: int
    history: list[HistoryMessage]
    # Calls a failed attempt of this same turn already ran (a resumed turn).
    replay: list[ToolCall] = field(default_factory=list)


async def start_turn(
    context: AppContext,
    user_id: str,
    conversation_id: int | None,
    message: str,
    *,
    idempotency_key: str | None = None,
    timezone: str | None = None,
) -> TurnStart:
    """Store `message` (in a new conversation when `conversation_id` is None)
    and load the history ending with it; 404 when the conversation is not the user's."""
    rows: list[Any] = await context.queries.start_chat_turn(
        context.pool,
        user_id=user_id,
        conversation_id=conversation_id,
        content=message,
        history_limit=context.settings.chat_history_limit,
        idempotency_key=idempotency_key,
        timezone=timezone,
    )
    if not rows:
        raise ConversationNotFound("No such conversation.")
    history = bounded([_message(row) for row in rows], context.settings.chat_history_max_chars)
    return TurnStart(rows[-1]["conversation_id"], rows[-1]["id"], history)


async def resume_turn(
    context: AppContext, user_id: str, conversation_id: int, user_message_id: int
) -> TurnStart:
    """A failed turn again: its history up to its stored message, and what it ran."""
    rows: list[Any] = await context.queries.resume_chat_turn(
        context.pool,
        user_id=user_id,
        conversation_id=conversation_id,
        user_message_id=user_message_id,
        history_limit=context.settings.chat_history_limit,
    )
    earlier = [row for row in rows if not row["is_reply"]]
    if not earlier or earlier[-1]["id"] != user_message_id:
        raise ConversationNotFound("No such conversation.")
    replay = [
        call for row in rows if row["is_reply"] for call in recorded_calls_of(row["tool_calls"])
    ]
    history = bounded([_message(row) for row in earlier], context.settings.chat_history_max_chars)
    return TurnStart(conversation_id, user_message_id, history, replay)


def bounded(history: Sequence[HistoryMessage], max_chars: int) -> list[HistoryMessage]:
    """The most recent messages that fit in `max_chars`, starting with a user message.

    The last message (the one being answered) is always kept. A message counts
    its text and its tool calls with their results as JSON: as stored (with
    what reverts them, so the cut is a little early rather than late) for
    calls read from the database, which are not decoded for this.
    """
    kept: list[HistoryMessage] = []
    used = 0
    for message in reversed(history):
        size = len(message.content) + _calls_size(message.tool_calls)
        if kept and used + size > max_chars:
            break
        kept.append(message)
        used += size
    kept.reverse()
    while len(kept) > 1 and kept[0].role != "user":
        kept.pop(0)
    return kept


def _calls_size(calls: Sequence[ToolCall]) -> int:
    if isinstance(calls, StoredCalls):
        return 0 if calls.stored_json == "[]" else len(calls.stored_json)
    # What an agent is shown of the calls: not the undo recorded with them.
    shown = [call.public() if isinstance(call, RecordedCall) else call for call in calls]
    return len(_encode(shown)) if shown else 0


def _message(row: Any) -> HistoryMessage:
    return HistoryMessage(
        role=row["role"],
        content=row["content"],
        tool_calls=StoredCalls(row["tool_calls"]),
        timezone=row["timezone"],
    )
