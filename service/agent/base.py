"""What every agent is given and what it gives back.

An agent sees the stored history of one conversation (oldest first, the
current user message last) and a toolbox bound to the authenticated user. It
returns the reply text; every tool it ran is recorded by the toolbox, so the
chat handler can store and return them whatever the agent is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import msgspec


class ToolCall(msgspec.Struct, kw_only=True):
    """One tool run: what was asked and what came back (an `error` key on failure)."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class HistoryMessage(msgspec.Struct, kw_only=True):
    """A stored message of the conversation, as an agent sees it."""

    role: Literal["user", "assistant"]
    content: str
    tool_calls: list[ToolCall] = msgspec.field(default_factory=list)


class Toolbox(Protocol):
    """The five task tools of SPEC 6, bound to one user by the server."""

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run tool `name`; bad arguments or a missing task give `{"error": ...}`."""
        ...


class Agent(Protocol):
    """Turns the conversation so far into a reply, using the toolbox."""

    async def reply(
        self, history: Sequence[HistoryMessage], toolbox: Toolbox, *, today: dt.date
    ) -> str:
        """Answer the last (user) message of `history`."""
        ...


class AgentError(Exception):
    """The agent could not answer; the chat endpoint turns this into a 503."""

    def __init__(self, error_code: str, detail: str) -> None:
        super().__init__(detail)
        self.error_code = error_code
        self.detail = detail
