"""`/mcp`: the official SDK's streamable HTTP transport, stateless, JSON responses.

Stateless: every request gets a fresh server and transport, nothing is kept
between requests, so any replica answers any request and a restart loses
nothing (the same rule as the chat endpoint). In front of the SDK, `McpEndpoint`
does what every other route gets from the middleware, the MCP way:

- a request whose `Origin` is not one of CORS_ORIGINS is refused (403), the
  MCP spec's defence against DNS rebinding;
- a credential is required (any the auth middleware accepts), and the user is
  its subject, never a tool argument; without a good one the answer is 401
  with `WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/
  oauth-protected-resource"`, as the MCP authorization spec asks.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from service.agent.toolbox import TaskToolbox
from service.auth.middleware import Authenticator, read_credential
from service.http.errors import ApiError, AuthRequired, error_response
from service.mcp.tools import call_tool, tool_list
from service.settings import Settings

METADATA_PATH = "/.well-known/oauth-protected-resource"


def base_url(settings: Settings, scope: Scope) -> str:
    """PUBLIC_BASE_URL when set (behind a proxy), else this request's own."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    request = Request(scope)
    return f"{request.url.scheme}://{request.url.netloc}"


class McpServer:
    """The SDK's server and its stateless session manager, for one app."""

    def __init__(self) -> None:
        self.server: Server[Any] = Server(
            "todo-chat-api",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )
        self.manager = StreamableHTTPSessionManager(
            app=self.server, stateless=True, json_response=True
        )

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """Run the session manager for the app's lifetime (its lifespan enters this)."""
        async with self.manager.run():
            yield

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_list())

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        # The transport hands each message the HTTP request it came in: the
        # user is the one McpEndpoint authenticated on it.
        request = ctx.request
        assert isinstance(request, Request)
        context = request.app.state.context
        toolbox = TaskToolbox(context.pool, context.queries, request.scope["user_id"])
        return await call_tool(toolbox, params.name, dict(params.arguments or {}))


class McpEndpoint:
    """The ASGI app at `/mcp`: origin and credential checks, then the SDK."""

    def __init__(self, mcp: McpServer, *, authenticator: Authenticator, settings: Settings) -> None:
        self.mcp = mcp
        self.authenticator = authenticator
        self.settings = settings

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
        await self.mcp.manager.handle_request(scope, receive, send)
