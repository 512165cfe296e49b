"""A fake OpenAI-compatible provider: a real HTTP server on 127.0.0.1.

Each test scripts what the "model" does, one step per request it receives:
answer text, ask for tool calls, fail with a status (429 with Retry-After,
500, 401, ...), or answer too slowly. Every request is recorded (headers and
JSON body) so tests assert on what the service sent as well as on what it did.
A request beyond the script gets a 500 naming the problem, and
`assert_script_used()` catches a script that was not fully played.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.server import serve_app

_ids = itertools.count(1)


@dataclass(frozen=True, kw_only=True)
class Step:
    """What the fake model does with one request."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    raw_body: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class Received:
    """One request the fake provider got."""

    path: str
    headers: Mapping[str, str]
    json: Any

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.json["messages"]
        return messages


def completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake-{next(_ids)}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def text(content: str | None, *, delay_seconds: float = 0.0) -> Step:
    """The model answers with text and no tool call."""
    return Step(
        body=completion({"role": "assistant", "content": content}),
        delay_seconds=delay_seconds,
    )


def tool_calls(*calls: tuple[str, Any], content: str | None = None, ids: bool = True) -> Step:
    """The model asks for tool calls: `(name, arguments)`, arguments a dict or raw text."""
    requested = []
    for name, arguments in calls:
        raw = arguments if isinstance(arguments, str) else msgspec.json.encode(arguments).decode()
        call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": raw}}
        if ids:
            call["id"] = f"call_fake_{next(_ids)}"
        requested.append(call)
    message = {"role": "assistant", "content": content, "tool_calls": requested}
    return Step(body=completion(message, "tool_calls"))


def failure(
    status: int, *, headers: Mapping[str, str] | None = None, message: str = "fake failure"
) -> Step:
    """An error answer in OpenAI's error shape."""
    body = {"error": {"message": message, "type": "fake_error", "code": status}}
    return Step(status=status, body=body, headers=dict(headers or {}))


def slow(step: Step, seconds: float) -> Step:
    """`step`, answered only after `seconds` (cut short when the server stops)."""
    return Step(
        status=step.status,
        body=step.body,
        headers=step.headers,
        delay_seconds=seconds,
        raw_body=step.raw_body,
    )


def raw(body: bytes, *, status: int = 200) -> Step:
    """A body that is not what the protocol promises (e.g. not JSON)."""
    return Step(status=status, raw_body=body)


class FakeLLM:
    """The scripted provider; `base_url` is what AI_BASE_URL should be."""

    def __init__(self) -> None:
        self.base_url = ""
        self.received: list[Received] = []
        self._script: deque[Step] = deque()
        self._stopping = asyncio.Event()

    def script(self, *steps: Step) -> None:
        """Queue what the model does with the next requests, in order."""
        self._script.extend(steps)

    def reset(self) -> None:
        self._script.clear()
        self.received.clear()

    @property
    def remaining(self) -> int:
        return len(self._script)

    def assert_script_used(self) -> None:
        assert not self._script, f"{len(self._script)} scripted step(s) were never requested"

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload = msgspec.json.decode(body)
        except msgspec.DecodeError:
            payload = None
        self.received.append(
            Received(path=request.url.path, headers=dict(request.headers), json=payload)
        )
        if not self._script:
            return _json(500, {"error": {"message": "fake LLM: no scripted step left"}}, {})
        step = self._script.popleft()
        if step.delay_seconds:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), step.delay_seconds)
        if step.raw_body is not None:
            return Response(step.raw_body, step.status, media_type="application/json")
        return _json(step.status, step.body, step.headers)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.handle, methods=["POST"])])


def _json(status: int, body: Any, headers: Mapping[str, str]) -> Response:
    return Response(
        msgspec.json.encode(body), status, headers=dict(headers), media_type="application/json"
    )


@contextlib.asynccontextmanager
async def fake_llm() -> AsyncIterator[FakeLLM]:
    """Serve a FakeLLM over real HTTP on a free loopback port."""
    fake = FakeLLM()
    async with serve_app(fake.app()) as url:
        fake.base_url = f"{url}/v1"
        try:
            yield fake
        finally:
            fake._stopping.set()  # let slow answers end before the server stops
