"""The task tools over MCP (SPEC 9), with the official SDK's own client.

Two real server processes (`uvicorn --factory service.asgi:app`) on the test
database; the client is `mcp.client.streamable_http` with a bearer token, as
Claude Desktop, the MCP Inspector or the OpenAI Agents SDK connect.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import TEST_SECRET
from tests.support.chat import ServerProcess

METADATA = "/.well-known/oauth-protected-resource"


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[tuple[str, str]]:
    first, second = (
        ServerProcess(database_url, TEST_SECRET),
        ServerProcess(database_url, TEST_SECRET),
    )
    first.start()
    second.start()
    try:
        yield first.url, second.url
    finally:
        first.stop()
        second.stop()


@contextlib.asynccontextmanager
async def mcp_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        yield session


def result_of(called: types.CallToolResult) -> dict[str, Any]:
    structured: dict[str, Any] = called.structured_content
    [content] = called.content
    assert isinstance(content, types.TextContent)
    assert json.loads(content.text) == structured
    return structured


async def test_the_five_tools_are_listed_with_their_schemas_and_hints(
    servers: tuple[str, str], token: str
) -> None:
    async with mcp_session(servers[0], token) as session:
        listed = (await session.list_tools()).tools
    by_name = {tool.name: tool for tool in listed}
    assert set(by_name) == {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}
    assert by_name["add_task"].input_schema["required"] == ["title"]
    assert by_name["add_task"].input_schema["additionalProperties"] is False
    hints = {name: tool.annotations for name, tool in by_name.items() if tool.annotations}
    assert len(hints) == 5
    assert hints["list_tasks"].read_only_hint is True
    assert hints["delete_task"].destructive_hint is True
    assert hints["add_task"].read_only_hint is False
    assert hints["add_task"].destructive_hint is False


async def test_every_tool_works_and_rest_sees_it_at_once(
    servers: tuple[str, str], token: str, user_id: str
) -> None:
    first, second = servers
    async with mcp_session(first, token) as session:
        added = result_of(
            await session.call_tool("add_task", {"title": "Pay rent", "tags": ["home"]})
        )
        task_id = added["task_id"]
        assert added == {"task_id": task_id, "status": "created", "title": "Pay rent"}
    async with httpx.AsyncClient(
        base_url=second, headers={"Authorization": f"Bearer {token}"}
    ) as rest:
        assert (await rest.get(f"/api/{user_id}/tasks/{task_id}")).json()["title"] == "Pay rent"
        # Alternate requests of one client go to another process: nothing is in memory.
        async with mcp_session(second, token) as session:
            listed = result_of(await session.call_tool("list_tasks", {"status": "pending"}))
            assert [t["id"] for t in listed["tasks"]] == [task_id]
            updated = await session.call_tool(
                "update_task", {"task_id": task_id, "priority": "high"}
            )
            assert result_of(updated)["status"] == "updated"
            done = await session.call_tool("complete_task", {"task_id": task_id})
            assert result_of(done)["status"] == "completed"
        assert (await rest.get(f"/api/{user_id}/tasks/{task_id}")).json()["completed"] is True
        async with mcp_session(first, token) as session:
            deleted = await session.call_tool("delete_task", {"task_id": task_id})
            assert result_of(deleted)["status"] == "deleted"
        assert (await rest.get(f"/api/{user_id}/tasks/{task_id}")).status_code == 404


@pytest.mark.parametrize(
    ("name", "arguments", "sentence"),
    [
        ("complete_task", {"task_id": 999_999_999}, "not found"),
        ("add_task", {"title": ""}, "Invalid arguments for add_task"),
        ("add_task", {"title": "x", "user_id": "victim"}, "user_id"),
        ("delete_task", {}, "task_id"),
        ("no_such_tool", {}, "no tool named"),
    ],
)
async def test_a_tool_error_is_a_result_with_is_error_and_the_agents_sentence(
    servers: tuple[str, str], token: str, name: str, arguments: dict[str, Any], sentence: str
) -> None:
    async with mcp_session(servers[0], token) as session:
        called = await session.call_tool(name, arguments)
    assert called.is_error is True
    assert sentence in result_of(called)["error"]


async def test_another_users_task_is_not_found_and_untouched(
    servers: tuple[str, str], token: str, user_id: str, make_token: Callable[..., str]
) -> None:
    async with mcp_session(servers[0], token) as session:
        mine = result_of(await session.call_tool("add_task", {"title": "private"}))["task_id"]
    other = make_token(f"{user_id}-other")
    async with mcp_session(servers[1], other) as session:
        for name in ("complete_task", "delete_task"):
            called = await session.call_tool(name, {"task_id": mine})
            assert called.is_error
            assert "not found" in result_of(called)["error"]
        listed = result_of(await session.call_tool("list_tasks", {}))
        assert listed == {"tasks": [], "count": 0}
    async with mcp_session(servers[0], token) as session:
        assert result_of(await session.call_tool("list_tasks", {}))["count"] == 1


@pytest.mark.parametrize("authorization", [None, "Bearer junk", "Bearer " + "a" * 32])
async def test_without_a_good_credential_mcp_is_401_pointing_at_the_metadata(
    servers: tuple[str, str], authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if authorization:
        headers["Authorization"] = authorization
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx.AsyncClient(base_url=servers[0]) as client:
        response = await client.post("/mcp", json=body, headers=headers)
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        metadata_url = f"{servers[0]}/.well-known/oauth-protected-resource"
        assert challenge.startswith(f'Bearer resource_metadata="{metadata_url}"')
        for path in (
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ):
            metadata = (await client.get(path)).json()
            assert metadata["resource"] == f"{servers[0]}/mcp"
            assert metadata["bearer_methods_supported"] == ["header"]


async def test_a_foreign_origin_is_refused(servers: tuple[str, str], token: str) -> None:
    async with httpx.AsyncClient(base_url=servers[0]) as client:
        response = await client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "Authorization": f"Bearer {token}",
                "Origin": "https://evil.example",
                "Accept": "application/json, text/event-stream",
            },
        )
    assert response.status_code == 403


async def test_an_oversized_body_is_413(servers: tuple[str, str], token: str) -> None:
    async with httpx.AsyncClient(base_url=servers[0]) as client:
        response = await client.post(
            "/mcp",
            content=b"{" + b" " * 70_000 + b"}",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert response.status_code == 413


async def test_a_database_that_is_gone_is_a_clear_tool_error_not_a_hang(
    db_settings: Any, user_id: str
) -> None:
    from service.agent.toolbox import TaskToolbox
    from service.auth.tables import identifiers
    from service.db.pool import create_pool
    from service.db.queries import load_queries
    from service.mcp.tools import DATABASE_DOWN, call_tool

    pool = await create_pool(db_settings, db_settings.database_url)
    await pool.close()  # every statement now fails at once, as with a database gone
    queries = load_queries().bind(identifiers(db_settings))
    called = await call_tool(TaskToolbox(pool, queries, user_id), "add_task", {"title": "x"})
    assert called.is_error
    assert result_of(called) == {"error": DATABASE_DOWN}


async def test_undo_last_change_is_a_chat_tool_only_and_refused_over_mcp(
    servers: tuple[str, str], token: str
) -> None:
    async with mcp_session(servers[0], token) as session:
        called = await session.call_tool("undo_last_change", {})
    assert called.is_error is True
    assert "no tool named 'undo_last_change'" in result_of(called)["error"]
