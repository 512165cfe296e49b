"""What every agent is given and what it gives back.

An agent sees the stored history of one conversation (oldest first, the
current user message last) and a toolbox bound to the authenticated user. It
returns the reply text; every tool it ran is recorded by the toolbox, so the
chat handler can store and return them whatever the agent is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Literal, Protocol, TypeVar, overload
from zoneinfo import ZoneInfo

import msgspec

T = TypeVar("T")
FIRST = asyncio.FIRST_COMPLETED


class ToolCall(msgspec.Struct, kw_only=True):
    """One tool run: what was asked and what came back (an `error` key on failure)."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class RecordedCall(ToolCall, kw_only=True, omit_defaults=True):
    """A tool call as the conversation stores it: with what reverts it.

    `undo` is kept for `undo_last_change` and never returned by the API (which
    reads the stored calls as plain `ToolCall`s): `{"created": id}` for an
    added task, `{"previous": {...}}` (every field) for a changed or deleted one.
    """

    undo: dict[str, Any] | None = None

    def public(self) -> ToolCall:
        return ToolCall(name=self.name, arguments=self.arguments, result=self.result)


_recorded_calls = msgspec.json.Decoder(list[RecordedCall])


class StoredCalls(Sequence[ToolCall]):
    """A stored message's tool calls, decoded from their JSON on first use.

    A history is mostly stored tool results (a listing of 20 tasks is hundreds
    of objects), and an agent reads those of a message or two. Decoding all of
    them on every turn was most of a turn's memory; 32 turns at once then left
    the process megabytes bigger for good, because Python keeps a heap arena
    while any object on it lives. Reading a message's calls decodes that
    message's only, straight into `RecordedCall`s (undo included).
    """

    __slots__ = ("_calls", "stored_json")

    def __init__(self, stored_json: str) -> None:
        self.stored_json = stored_json
        self._calls: list[ToolCall] | None = None

    def _decoded(self) -> list[ToolCall]:
        if self._calls is None:
            self._calls = [*_recorded_calls.decode(self.stored_json)]
        return self._calls

    @overload
    def __getitem__(self, index: int) -> ToolCall: ...
    @overload
    def __getitem__(self, index: slice) -> list[ToolCall]: ...
    def __getitem__(self, index: int | slice) -> ToolCall | list[ToolCall]:
        return self._decoded()[index]

    def __len__(self) -> int:
        return 0 if self.stored_json == "[]" else len(self._decoded())

    def __iter__(self) -> Iterator[ToolCall]:
        return iter(self._decoded())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like a list

    def __repr__(self) -> str:
        return f"StoredCalls({self._decoded()!r})"


class HistoryMessage(msgspec.Struct, kw_only=True):
    """A stored message of the conversation, as an agent sees it."""

    role: Literal["user", "assistant"]
    content: str
    # A list, or the stored calls decoded when first read (`StoredCalls`).
    tool_calls: Sequence[ToolCall] = msgspec.field(default_factory=list)
    # The IANA zone a user message was written in; None: UTC. The last
    # message's zone is the turn's: agents read and answer dates in it.
    timezone: str | None = None


def zone_of(history: Sequence[HistoryMessage]) -> ZoneInfo:
    """The time zone of the turn: that of its (last) user message, else UTC."""
    name = history[-1].timezone if history else None
    return ZoneInfo(name) if name else ZoneInfo("UTC")


class TurnStopped(Exception):
    """The turn must stop at this safe point: its deadline passed or the client left."""

    def __init__(self, reason: Literal["deadline", "disconnect"]) -> None:
        super().__init__(reason)
        self.reason = reason


class Usage(msgspec.Struct, kw_only=True):
    """The model and the tokens a turn's LLM calls cost, as the provider reported them."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class TurnBudget:
    """What one chat turn may still spend: time to its deadline, and tool calls.

    One deadline bounds the whole turn (every model call, retry, backoff and
    tool); `stop()` ends it early when the client disconnects. Agents and the
    toolbox ask `check()` before anything that costs (a model call, a
    statement), so a turn stops between statements, never inside one.
    """

    def __init__(
        self,
        *,
        seconds: float,
        max_tool_calls: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.deadline = clock() + seconds
        self.max_tool_calls = max_tool_calls
        self.stopped: Literal["deadline", "disconnect"] | None = None
        self._stop = asyncio.Event()
        self.usage: Usage | None = None

    def spent(self, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        """Add one LLM answer's tokens to the turn's usage."""
        if self.usage is None:
            self.usage = Usage(model=model)
        self.usage.prompt_tokens += prompt_tokens
        self.usage.completion_tokens += completion_tokens

    def remaining(self) -> float:
        """Seconds left before the deadline (0 when past it)."""
        return max(0.0, self.deadline - self._clock())

    def stop(self, reason: Literal["deadline", "disconnect"]) -> None:
        if self.stopped is None:
            self.stopped = reason
        self._stop.set()

    def check(self) -> None:
        """Raise TurnStopped when the turn may not go on."""
        if self.stopped is None and self.remaining() <= 0:
            self.stop("deadline")
        if self.stopped is not None:
            raise TurnStopped(self.stopped)

    async def race(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable` (a model call, a backoff: never a statement) unless
        the turn stops first; then it is cancelled and TurnStopped raised."""
        self.check()
        work = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({work, stop}, timeout=self.remaining(), return_when=FIRST)
        finally:
            stop.cancel()
        if work.done():
            return work.result()
        work.cancel()
        self.check()  # past the deadline: it says so
        raise TurnStopped(self.stopped or "deadline")


class Toolbox(Protocol):
    """The task tools of SPEC 6, bound to one user by the server."""

    budget: TurnBudget

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run tool `name`; bad arguments or a missing task give `{"error": ...}`."""
        ...

    def room(self) -> int:
        """How many more tool calls this turn may make."""
        ...

    def take_replay(self) -> list[ToolCall]:
        """Calls a failed attempt of this turn already ran (see TaskToolbox)."""
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
