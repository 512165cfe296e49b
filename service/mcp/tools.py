"""The five task tools as MCP tools, from the one definition in `service.agent.toolspec`
(not the chat agents' `undo_last_change`: MCP has no conversation to undo in).

Names, descriptions and argument schemas come from `toolspec`, arguments are
decoded by its msgspec structs inside `TaskToolbox` (so `user_id` or any other
unknown argument is refused, with the same sentence the chat agents read),
and results are the toolbox's own. A tool error is a result with `isError`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from mcp import types

from service.agent.openai.schema import parameters_for
from service.agent.toolbox import TaskToolbox
from service.agent.toolspec import TOOLS
from service.http.errors import DATABASE_DOWN_ERRORS

DATABASE_DOWN = "The database is unavailable; please retry shortly."


def tool_list() -> list[types.Tool]:
    """Every tool, its JSON Schema closed to unknown arguments, with its hints."""
    return [
        types.Tool(
            name=tool.name,
            description=tool.description,
            input_schema={**parameters_for(tool.arguments), "additionalProperties": False},
            annotations=types.ToolAnnotations(
                read_only_hint=tool.read_only,
                destructive_hint=tool.destructive,
                idempotent_hint=tool.idempotent,
                open_world_hint=False,
            ),
        )
        for tool in TOOLS
        if not tool.chat_only
    ]


_CHAT_ONLY = frozenset(tool.name for tool in TOOLS if tool.chat_only)


async def call_tool(
    toolbox: TaskToolbox, name: str, arguments: dict[str, Any]
) -> types.CallToolResult:
    """Run one tool for the toolbox's user; errors are results the client's model reads."""
    try:
        if name in _CHAT_ONLY:  # MCP has no conversation to undo in
            result = {"error": f"There is no tool named {name!r} over MCP."}
        else:
            result = await toolbox.call(name, arguments)
    except DATABASE_DOWN_ERRORS:
        result = {"error": DATABASE_DOWN}
    text = msgspec.json.encode(result).decode()
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=result,
        is_error="error" in result,
    )
