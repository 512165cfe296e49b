"""Every wait on the database has a bound: a real row lock, a real exhausted pool.

A transaction of the test's own holds a row lock, so the app's statements on
that row block for real; the bounds turn that into 503 DATABASE_UNAVAILABLE
with Retry-After, and nothing is half-written.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import asyncpg
import httpx
import pytest

from service.settings import Settings
from tests.support.server import client_for, live_server


@pytest.fixture
async def locker(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def lock_task(conn: asyncpg.Connection, task_id: int) -> None:
    await conn.execute("BEGIN")
    await conn.execute("SELECT id FROM tasks WHERE id = $1 FOR UPDATE", task_id)


def assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error_code"] == "DATABASE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) > 0


# "auto" on a direct URL: the server's statement_timeout; 0 (as behind a
# pooler): no startup parameter, asyncpg's client-side bound cancels it.
@pytest.mark.parametrize("statement_cache", ["auto", 0])
async def test_a_statement_blocked_past_the_statement_timeout_is_503_and_changes_nothing(
    db_settings: Settings,
    make_token: Callable[..., str],
    user_id: str,
    locker: asyncpg.Connection,
    statement_cache: int | str,
) -> None:
    settings = replace(
        db_settings,
        database_statement_timeout_seconds=0.5,
        database_statement_cache=statement_cache,  # type: ignore[arg-type]
    )
    async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
        task = (await client.post(f"/api/{user_id}/tasks", json={"title": "locked"})).json()
        await lock_task(locker, task["id"])
        try:
            response = await client.patch(
                f"/api/{user_id}/tasks/{task['id']}", json={"title": "changed"}
            )
            assert_database_unavailable(response)
        finally:
            await locker.execute("ROLLBACK")
        assert (await client.get(f"/api/{user_id}/tasks/{task['id']}")).json() == task
        # The pool recovered: the same change goes through once the lock is gone.
        response = await client.patch(
            f"/api/{user_id}/tasks/{task['id']}", json={"title": "changed"}
        )
        assert response.json()["title"] == "changed"


async def test_waiting_for_a_pool_connection_is_bounded_for_requests_on_other_tables(
    db_settings: Settings,
    make_token: Callable[..., str],
    user_id: str,
    locker: asyncpg.Connection,
) -> None:
    settings = replace(
        db_settings,
        database_pool_min=1,
        database_pool_max=1,
        database_acquire_timeout_seconds=0.3,
        database_statement_timeout_seconds=30,
    )
    async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
        task = (await client.post(f"/api/{user_id}/tasks", json={"title": "locked"})).json()
        await lock_task(locker, task["id"])
        try:
            # This one holds the only connection, blocked on the lock...
            blocked = asyncio.create_task(client.delete(f"/api/{user_id}/tasks/{task['id']}"))
            await asyncio.sleep(0.3)
            # ...so one that touches no locked table waits only the acquire timeout.
            assert_database_unavailable(await client.get(f"/api/{user_id}/conversations"))
            assert_database_unavailable(await client.get(f"/api/{user_id}/tasks"))
        finally:
            await locker.execute("ROLLBACK")
        assert (await blocked).status_code == 204
        assert (await client.get(f"/api/{user_id}/conversations")).status_code == 200


async def test_the_server_side_statement_timeout_is_set_on_each_direct_connection(
    db_settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    settings = replace(db_settings, database_statement_timeout_seconds=7)
    async with live_server(settings) as url, client_for(url, make_token(user_id)) as client:
        response = await client.get("/readyz")
        assert response.status_code == 200
    from service.db.pool import create_pool

    pool = await create_pool(settings, settings.database_url or "")
    try:
        assert await pool.fetchval("SHOW statement_timeout") == "7s"
    finally:
        await pool.close()
