"""Database round trips per request, counted on the live app's own connections.

Every statement a pooled connection sends, including what the pool itself
sends when a connection goes back (asyncpg resets it by default), is recorded
by an asyncpg query logger. A task request is one statement; a chat turn is at
most three of its own plus one per tool call. A change that adds a round trip
fails here rather than showing up later as lost throughput.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from service.app import create_app
from service.db.queries import Queries, load_queries
from service.settings import Settings
from tests.support.server import client_for, serve_app

POOL_SIZE = 2
# The tools run the task API's own statements, one per call.
TASK_STATEMENTS = frozenset(
    query.name for query in load_queries() if query.source.startswith("tasks.sql")
)


@dataclass(eq=False)  # asyncpg keeps loggers in a set: hashable by identity
class StatementLog:
    """Names of the statements sent (the SQL file's query name, else the SQL)."""

    queries: Queries
    sent: list[str] = field(default_factory=list)

    def __call__(self, record: Any) -> None:
        # Statements made of a template on first use (`list_tasks__...`) count
        # under the template's name.
        names = {query.sql: query.name.partition("__")[0] for query in self.queries}
        self.sent.append(names.get(record.query, record.query))

    async def during(self, request: Awaitable[httpx.Response]) -> list[str]:
        """The statements sent while `request` ran; it must succeed."""
        _, sent = await self.with_response(request)
        return sent

    async def with_response(
        self, request: Awaitable[httpx.Response]
    ) -> tuple[httpx.Response, list[str]]:
        self.sent.clear()
        response = await request
        # asyncpg hands records to loggers with call_soon: let them arrive.
        for _ in range(3):
            await asyncio.sleep(0)
        return response, list(self.sent)


@dataclass
class Counted:
    client: httpx.AsyncClient
    log: StatementLog


async def log_every_connection(app: Starlette, log: StatementLog) -> None:
    """Attach `log` to each pooled connection; a logger stays across releases."""
    pool = app.state.context.pool.pool  # the asyncpg pool under the bounds
    held = []
    try:
        for _ in range(POOL_SIZE):
            held.append(await pool.acquire())
            held[-1].add_query_logger(log)
    finally:
        for connection in held:
            await pool.release(connection)


@pytest.fixture
async def counted(
    db_settings: Settings, make_token: Callable[..., str], user_id: str
) -> AsyncIterator[Counted]:
    # A fixed pool size: every connection exists, and is logged, from the start.
    settings = replace(db_settings, database_pool_min=POOL_SIZE, database_pool_max=POOL_SIZE)
    app = create_app(settings)
    queries = app.state.context.queries
    log = StatementLog(queries=queries)
    async with serve_app(app) as base_url, client_for(base_url) as client:
        await log_every_connection(app, log)
        client.headers["Authorization"] = f"Bearer {make_token(user_id)}"
        yield Counted(client, log)


async def test_each_task_endpoint_sends_exactly_one_statement(
    counted: Counted, user_id: str
) -> None:
    client, log = counted.client, counted.log
    base = f"/api/{user_id}/tasks"

    created = await log.during(client.post(base, json={"title": "Count me", "tags": ["a"]}))
    task_id = (await client.get(base)).json()[0]["id"]
    sent = {
        "create": created,
        "list": await log.during(client.get(base, params={"status": "pending", "q": "count"})),
        "get": await log.during(client.get(f"{base}/{task_id}")),
        "update": await log.during(client.patch(f"{base}/{task_id}", json={"priority": "high"})),
        "replace": await log.during(client.put(f"{base}/{task_id}", json={"title": "Counted"})),
        "toggle": await log.during(client.patch(f"{base}/{task_id}/complete")),
        "delete": await log.during(client.delete(f"{base}/{task_id}")),
    }

    assert sent == {
        "create": ["create_task"],
        "list": ["list_tasks"],
        "get": ["get_task"],
        "update": ["update_task"],
        "replace": ["update_task"],
        "toggle": ["set_task_completed"],
        "delete": ["delete_task"],
    }


async def test_a_missing_task_still_costs_one_statement(counted: Counted, user_id: str) -> None:
    client, log = counted.client, counted.log
    base = f"/api/{user_id}/tasks/987654321"

    assert await log.during(client.get(base)) == ["get_task"]
    assert await log.during(client.patch(f"{base}/complete")) == ["set_task_completed"]
    assert await log.during(client.delete(base)) == ["delete_task"]


async def test_requests_refused_before_the_handler_send_no_statement(
    counted: Counted, user_id: str
) -> None:
    client, log = counted.client, counted.log

    bad_token = {"Authorization": "Bearer not.a.token"}
    assert await log.during(client.get(f"/api/{user_id}/tasks", headers=bad_token)) == []
    assert await log.during(client.get(f"/api/{user_id}/tasks", params={"limit": 0})) == []
    assert await log.during(client.post(f"/api/{user_id}/tasks", json={"title": ""})) == []


@pytest.mark.parametrize(
    "messages",
    [
        ["add buy milk"],
        ["add buy milk", "show my tasks"],
        ["add call mom", "mark it done"],
        ["hello"],
    ],
)
async def test_a_chat_turn_sends_at_most_three_statements_plus_one_per_tool_call(
    counted: Counted, user_id: str, messages: list[str]
) -> None:
    client, log = counted.client, counted.log
    conversation_id = None
    for message in messages:
        body: dict[str, Any] = {"message": message}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        response, sent = await log.with_response(client.post(f"/api/{user_id}/chat", json=body))
        assert response.status_code == 200, response.text
        reply = response.json()
        conversation_id = reply["conversation_id"]
        tools = [name for name in sent if name in TASK_STATEMENTS]
        own = [name for name in sent if name not in TASK_STATEMENTS]

        assert len(own) <= 3, (message, own)
        assert "start_chat_turn" in own
        assert "finish_chat_turn" in own
        # One statement per tool call, plus a read of the task before a change
        # or completion: what undo_last_change restores.
        reads_for_undo = sum(
            1 for call in reply["tool_calls"] if call["name"] in ("complete_task", "update_task")
        )
        assert len(tools) == len(reply["tool_calls"]) + reads_for_undo, (message, tools)
