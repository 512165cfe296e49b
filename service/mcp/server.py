"""The official SDK's streamable HTTP transport, stateless, with JSON responses.

Stateless: every request gets a fresh server and transport, nothing is kept
between requests, so any replica answers any request and a restart loses
nothing (the same rule as the chat endpoint). This module is imported on the
first request to `/mcp` (see `service.mcp.endpoint`), not at start.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request

from service.agent.toolbox import TaskToolbox
from service.mcp.tools import call_tool, tool_list


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

    async def serve_until(self, started: asyncio.Event, stopping: asyncio.Event) -> None:
        """Run the session manager until `stopping` (the app's shutdown) is set."""
        async with self.manager.run():
            started.set()
            await stopping.wait()

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
        # MCP has no conversation to undo in: changes keep no undo (and read nothing for it).
        toolbox = TaskToolbox(
            context.pool, context.queries, request.scope["user_id"], undoable=False
        )
        return await call_tool(toolbox, params.name, dict(params.arguments or {}))
