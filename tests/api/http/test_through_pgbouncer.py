"""The whole API through a real PgBouncer in transaction mode (SPEC 7).

The pooler hands each transaction to any of its server connections, so
nothing may rely on a session: no named prepared statements (asyncpg's cache
is off), no session settings (no startup parameters; the statement timeout
is asyncpg's, which cancels through the pooler). Each test runs twice: with
`?pgbouncer=true` on the URL and DATABASE_STATEMENT_CACHE=auto, and with a
plain URL and an explicit DATABASE_STATEMENT_CACHE=0.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace

import asyncpg
import httpx
import pytest

from service.db.pool import driver_dsn
from service.settings import Settings
from tests.support.chat import post_chat
from tests.support.pgbouncer import pgbouncer_in_front_of
from tests.support.server import client_for, live_server


@pytest.fixture(scope="module")
def pooled_url(database_url: str) -> Iterator[str]:
    # A small server pool, so concurrent requests share server connections.
    with pgbouncer_in_front_of(database_url, pool_size=3) as url:
        yield url


@pytest.fixture(params=["auto, marked URL", "0, plain URL"])
def pooled_settings(
    request: pytest.FixtureRequest, db_settings: Settings, pooled_url: str
) -> Settings:
    if request.param.startswith("auto"):
        settings = replace(db_settings, database_url=pooled_url, database_statement_cache="auto")
    else:
        settings = replace(
            db_settings, database_url=driver_dsn(pooled_url), database_statement_cache=0
        )
    assert settings.behind_pooler
    assert settings.statement_cache_size == 0
    return settings


@pytest.fixture
async def pooled_client(
    pooled_settings: Settings, make_token: Callable[..., str], user_id: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with live_server(pooled_settings) as url, client_for(url, make_token(user_id)) as client:
        yield client


async def test_the_task_api_works_through_the_pooler(
    pooled_client: httpx.AsyncClient, user_id: str
) -> None:
    base = f"/api/{user_id}/tasks"
    created = [
        (await pooled_client.post(base, json={"title": f"task {n}", "priority": "high"})).json()
        for n in range(5)
    ]
    task_id = created[0]["id"]
    patched = await pooled_client.patch(f"{base}/{task_id}", json={"completed": True})
    assert patched.json()["completed"] is True
    assert (await pooled_client.delete(f"{base}/{created[1]['id']}")).status_code == 204

    page = await pooled_client.get(base, params={"limit": 2, "status": "pending"})
    assert page.headers["x-total-count"] == "3"
    following = httpx.URL(page.links["next"]["url"])
    rest = await pooled_client.get(following.path, params=dict(following.params))
    titles = [t["title"] for t in page.json() + rest.json()]
    assert sorted(titles) == ["task 2", "task 3", "task 4"]
    assert (await pooled_client.get(f"{base}/{task_id}")).json()["completed"] is True
    # Many statements at once over 3 server connections: none trips on another's.
    answers = await asyncio.gather(*(pooled_client.get(f"{base}/{task_id}") for _ in range(40)))
    assert {answer.status_code for answer in answers} == {200}


async def test_a_chat_turn_and_its_history_work_through_the_pooler(
    pooled_client: httpx.AsyncClient, user_id: str
) -> None:
    first = (await post_chat(pooled_client, user_id, "add call the bank")).json()
    second = await post_chat(pooled_client, user_id, "mark it done", first["conversation_id"])
    assert second.status_code == 200, second.text
    assert second.json()["tool_calls"][0]["name"] == "complete_task"
    [task] = (await pooled_client.get(f"/api/{user_id}/tasks")).json()
    assert task["title"] == "call the bank"
    assert task["completed"] is True
    messages = await pooled_client.get(
        f"/api/{user_id}/conversations/{first['conversation_id']}/messages"
    )
    assert [m["role"] for m in messages.json()] == ["user", "assistant", "user", "assistant"]


async def test_idempotency_keys_replay_through_the_pooler(
    pooled_client: httpx.AsyncClient, user_id: str
) -> None:
    headers = {"Idempotency-Key": "pooled-1"}
    first = await pooled_client.post(
        f"/api/{user_id}/tasks", json={"title": "once"}, headers=headers
    )
    again = await pooled_client.post(
        f"/api/{user_id}/tasks", json={"title": "once"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = await pooled_client.post(
        f"/api/{user_id}/tasks", json={"title": "another"}, headers=headers
    )
    assert other.status_code == 422
    assert len((await pooled_client.get(f"/api/{user_id}/tasks")).json()) == 1


async def test_the_statement_timeout_holds_through_the_pooler_and_the_pool_recovers(
    pooled_settings: Settings, make_token: Callable[..., str], user_id: str, database_url: str
) -> None:
    settings = replace(pooled_settings, database_statement_timeout_seconds=0.5)
    locker = await asyncpg.connect(database_url)
    try:
        async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
            task = (await client.post(f"/api/{user_id}/tasks", json={"title": "locked"})).json()
            await locker.execute("BEGIN")
            await locker.execute("SELECT id FROM tasks WHERE id = $1 FOR UPDATE", task["id"])
            blocked = await client.patch(
                f"/api/{user_id}/tasks/{task['id']}", json={"title": "changed"}
            )
            assert blocked.status_code == 503
            assert blocked.json()["error_code"] == "DATABASE_UNAVAILABLE"
            await locker.execute("ROLLBACK")
            # The cancelled statement left no broken server connection behind.
            for _ in range(6):
                assert (await client.get(f"/api/{user_id}/tasks/{task['id']}")).json() == task
            changed = await client.patch(
                f"/api/{user_id}/tasks/{task['id']}", json={"title": "changed"}
            )
            assert changed.json()["title"] == "changed"
    finally:
        await locker.close()
