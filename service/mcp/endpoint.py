"""`/mcp` in front of the SDK: origin and credential checks, and a lazy start.

`McpEndpoint` does what every other route gets from the middleware, the MCP
way:

- a request whose `Origin` is not one of CORS_ORIGINS is refused (403), the
  MCP spec's defence against DNS rebinding;
- a credential is required (any the auth middleware accepts), and the user is
  its subject, never a tool argument; without a good one the answer is 401
  with `WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/
  oauth-protected-resource"`, as the MCP authorization spec asks.

The SDK (and pydantic, which it brings) is imported on the first request to
`/mcp`, and its session manager started then, in a task that the app's
shutdown ends (`McpEndpoint.running`): a process that never serves MCP never
holds it in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from service.auth.middleware import Authenticator, read_credential
from service.http.errors import ApiError, AuthRequired, error_response
from service.http.ratelimit import RateLimiter, RateLimitMiddleware
from service.metrics import Metrics
from service.settings import Settings

METADATA_PATH = "/.well-known/oauth-protected-resource"


def base_url(settings: Settings, scope: Scope) -> str:
    """PUBLIC_BASE_URL when set (behind a proxy), else this request's own."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    request = Request(scope)
    return f"{request.url.scheme}://{request.url.netloc}"


class McpEndpoint:
    """The ASGI app at `/mcp`: origin and credential checks, then the SDK."""

    def __init__(
        self,
        *,
        authenticator: Authenticator,
        settings: Settings,
        limiter: RateLimiter,
        metrics: Metrics,
    ) -> None:
        self.authenticator = authenticator
        self.settings = settings
        self.metrics = metrics
        # MCP tool calls spend the user's API budget, as REST requests do.
        self._limited = RateLimitMiddleware(self._serve, limiter=limiter, chat_paths=())
        self._server: Any = None
        self._starting = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The app's lifespan enters this: on shutdown, stop the SDK if it started."""
        try:
            yield
        finally:
            self._stopping.set()
            if self._runner is not None:
                await self._runner

    async def _started_server(self) -> Any:
        async with self._starting:
            if self._server is None:
                from service.mcp.server import McpServer  # the SDK loads here

                server = McpServer()
                started = asyncio.Event()
                self._runner = asyncio.create_task(server.serve_until(started, self._stopping))
                await started.wait()
                self._server = server
        return self._server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        if origin is not None and origin.decode("latin-1") not in self.settings.cors_origins:
            response = error_response(403, "FORBIDDEN", "Requests from this origin are refused.")
            await response(scope, receive, send)
            return
        try:
            credential = read_credential(headers, self.settings.better_auth_cookie_prefix)
            if credential is None:
                raise AuthRequired("Sign in: send 'Authorization: Bearer <token>'.")
            scope["user_id"] = await self.authenticator.authenticate(credential)
        except ApiError as exc:
            self.metrics.auth_failure(exc.error_code)
            if exc.status != 401:
                raise
            metadata = f"{base_url(self.settings, scope)}{METADATA_PATH}"
            challenge = f'Bearer resource_metadata="{metadata}"'
            if exc.error_code != "AUTH_REQUIRED":
                challenge += ', error="invalid_token"'
            response = error_response(
                401, exc.error_code, exc.detail, headers={"WWW-Authenticate": challenge}
            )
            await response(scope, receive, send)
            return
        await self._limited(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = await self._started_server()
        await server.manager.handle_request(scope, receive, send)
