"""A real JWKS server on 127.0.0.1, standing in for Better Auth's /api/auth/jwks.

It serves whatever keys the test puts in `server.keys`, counts every request
in `server.hits` (to prove the refresh throttle), and can be told to fail.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.server import serve_app

JWKS_PATH = "/api/auth/jwks"


@dataclass
class JwksServer:
    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    hits: int = 0
    status: int = 200
    body: bytes | None = None  # served instead of the keys when set
    trickle_seconds: float | None = None  # when set, one byte per this many seconds

    def reset(self, *keys: dict[str, Any]) -> None:
        self.keys = list(keys)
        self.hits = 0
        self.status = 200
        self.body = None
        self.trickle_seconds = None


async def trickle(seconds: float) -> AsyncIterator[bytes]:
    """A valid-looking JWKS document, a byte at a time: never finished in time."""
    for byte in b'{"keys": [' + b" " * 10_000 + b"]}":
        yield bytes([byte])
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def serve_jwks(*keys: dict[str, Any]) -> AsyncIterator[JwksServer]:
    """Serve a JWKS document over real HTTP in the test's event loop."""
    state = JwksServer(keys=list(keys))

    async def jwks(request: Request) -> Response:
        state.hits += 1
        if state.trickle_seconds is not None:
            return StreamingResponse(trickle(state.trickle_seconds), media_type="application/json")
        if state.body is not None:
            return Response(state.body, state.status, media_type="application/json")
        return JSONResponse({"keys": state.keys}, state.status)

    app = Starlette(routes=[Route(JWKS_PATH, jwks)])
    async with serve_app(app) as url:
        state.url = f"{url}{JWKS_PATH}"
        yield state
