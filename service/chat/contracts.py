"""The JSON contract of the chat endpoint and the conversation API (SPEC 6).

The message's length limit is a setting (CHAT_MAX_MESSAGE_CHARS), so it is
checked by `clean_message` with the settings at hand rather than by a static
`Meta` constraint.
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal, cast
from zoneinfo import available_timezones

import msgspec
from msgspec import Meta

from service.agent.base import StoredCalls, ToolCall, Usage
from service.http.contract import (
    AwareDatetime,
    Contract,
    JsonInteger,
    integer_schema,
    trimmed_text_schema,
    whole_number,
)
from service.http.cursor import CursorParameter, cursor_or_offset
from service.http.errors import ValidationFailed

MAX_ID = 2**63 - 1  # BIGINT identity columns
TITLE_CHARS = 80  # SPEC 6: a conversation's title is its first message, cut to 80

ConversationId = Annotated[JsonInteger, integer_schema(1, MAX_ID)]
# The IANA database's names ("UTC", "Europe/Berlin", "Etc/GMT+5"): the tzdata
# package ships them, so the list is the same on every machine and image. The
# OpenAPI document lists them, so the schema is exactly the rule.
ZONE_NAMES = frozenset(
    name
    for name in available_timezones()
    # What some systems' zoneinfo directories hold besides the database's zones.
    if name not in {"localtime", "posixrules", "Factory"} and not name.startswith("posix")
)
TimeZoneName = Annotated[
    str,
    Meta(
        description="An IANA time zone, e.g. Europe/Berlin; absent means UTC. Both agents "
        "read and answer dates in it; an unknown zone is 400 VALIDATION_ERROR.",
        extra_json_schema={"enum": sorted(ZONE_NAMES)},
    ),
]
MessageId = Annotated[int, Meta(ge=1, le=MAX_ID)]
Role = Literal["user", "assistant"]
MessageStatus = Literal["complete", "failed"]


class ChatRequest(Contract):
    """POST /api/{user_id}/chat: a message, in a new or an existing conversation."""

    message: str
    conversation_id: ConversationId | None = None
    timezone: TimeZoneName | None = None

    def __post_init__(self) -> None:
        if self.conversation_id is not None:
            self.conversation_id = whole_number(
                "$.conversation_id", self.conversation_id, minimum=1, maximum=MAX_ID
            )
        if self.timezone is not None:
            check_time_zone(self.timezone)


def check_time_zone(name: str) -> None:
    """400 unless `name` is a time zone of the IANA database ("Europe/Berlin", "UTC")."""
    if name not in ZONE_NAMES:
        raise ValidationFailed(
            f"Unknown time zone {name[:64]!r}: use an IANA name such as 'Europe/Berlin'.",
            field="$.timezone",
        )


@functools.cache
def chat_request_for(max_chars: int) -> type[ChatRequest]:
    """`ChatRequest` as this deployment states it: the message limit is a setting.

    The same struct decodes the body and describes it in the OpenAPI document
    (`clean_message` enforces the limit after trimming, with a clear error).
    """
    message = Annotated[
        str,
        Meta(
            extra_json_schema=trimmed_text_schema(
                max_chars, f"Trimmed; 1 to {max_chars} characters (CHAT_MAX_MESSAGE_CHARS)."
            )
        ),
    ]
    documented = msgspec.defstruct(
        "ChatRequest", [("message", message)], bases=(ChatRequest,), module=__name__
    )
    return cast(type[ChatRequest], documented)


def clean_message(message: str, *, max_chars: int) -> str:
    """Trim and check a chat message: no NUL, 1..max_chars characters."""
    if "\x00" in message:
        raise ValidationFailed("Text must not contain NUL characters.", field="$.message")
    message = message.strip()
    if not message:
        raise ValidationFailed("Must not be empty.", field="$.message")
    if len(message) > max_chars:
        raise ValidationFailed(f"Must be at most {max_chars} characters.", field="$.message")
    return message


class ChatResponse(Contract):
    """The stored assistant message of one chat turn and the tools it ran."""

    conversation_id: int
    response: str
    tool_calls: list[ToolCall]
    message_id: int
    timestamp: AwareDatetime


class Conversation(Contract):
    """A conversation as the API returns it."""

    id: int
    title: str
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Message(Contract):
    """A stored message as the API returns it.

    `status` is "failed" for an assistant turn that was interrupted (a provider
    error, the deadline, a disconnect): its `tool_calls` are what it did.
    """

    id: int
    role: Role
    content: str
    tool_calls: list[ToolCall]
    status: MessageStatus
    # The model and tokens of an LLM turn; null for user messages and the built-in agent.
    usage: Usage | None
    created_at: AwareDatetime


class ConversationListQuery(Contract):
    """The query string of GET /api/{user_id}/conversations."""

    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    offset: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    cursor: CursorParameter | None = None

    def __post_init__(self) -> None:
        cursor_or_offset(self.cursor, self.offset)


class MessageListQuery(Contract):
    """The query string of GET /api/{user_id}/conversations/{id}/messages."""

    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    before: MessageId | None = None


# The statements that read messages select `tool_calls` as JSON text, decoded
# here straight into structs: one pass and one set of objects, where the
# JSONB codec's dicts converted to structs made two.
_public_calls = msgspec.json.Decoder(list[ToolCall])


def tool_calls_of(stored_json: str) -> list[ToolCall]:
    """The `tool_calls` column (as JSON text) as the API shows them: no undo."""
    return _public_calls.decode(stored_json)


def recorded_calls_of(stored_json: str) -> list[ToolCall]:
    """The `tool_calls` column (as JSON text) as the agents see them:
    `RecordedCall`s, with their undo."""
    return list(StoredCalls(stored_json))
