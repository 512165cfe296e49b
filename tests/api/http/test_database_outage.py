"""A database that goes away: 503 with Retry-After at once, recovery by itself.

These tests stop and restart a real PostgreSQL of their own (never the
session's shared one), with the app serving over HTTP throughout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from service.db.migrate import apply_migrations
from service.settings import Settings
from tests.support.database import embedded_postgres
from tests.support.server import client_for, live_server

USER = "outage-user"


@pytest.fixture(scope="module")
def own_server() -> Iterator[Any]:
    with embedded_postgres() as server:
        apply_migrations(server.get_uri())
        yield server


def stop(server: Any) -> None:
    import embedded_postgres

    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]  # generated at import
        ["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user
    )


def start(server: Any) -> None:
    server.ensure_postgres_running()


@pytest.fixture
async def client(
    own_server: Any, settings: Settings, make_token: Callable[..., str]
) -> AsyncIterator[httpx.AsyncClient]:
    app_settings = replace(settings, database_url=own_server.get_uri())
    async with live_server(app_settings) as url, client_for(url) as client:
        client.headers["Authorization"] = f"Bearer {make_token(USER)}"
        yield client
    start(own_server)  # whatever happened, leave it running for the next test


async def test_requests_get_503_with_retry_after_while_the_database_is_down(
    client: httpx.AsyncClient, own_server: Any
) -> None:
    created = await client.post(f"/api/{USER}/tasks", json={"title": "Survives"})
    assert created.status_code == 201
    stop(own_server)

    for request in (
        client.get(f"/api/{USER}/tasks"),
        client.post(f"/api/{USER}/tasks", json={"title": "Lost?"}),
        client.get(f"/api/{USER}/tasks/{created.json()['id']}"),
    ):
        response = await asyncio.wait_for(request, timeout=15)
        assert response.status_code == 503
        assert response.json()["error_code"] == "DATABASE_UNAVAILABLE"
        assert int(response.headers["retry-after"]) > 0

    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert (await client.get("/healthz")).status_code == 200


async def test_the_service_recovers_when_the_database_is_back(
    client: httpx.AsyncClient, own_server: Any
) -> None:
    created = await client.post(f"/api/{USER}/tasks", json={"title": "Before the outage"})
    stop(own_server)
    assert (await client.get(f"/api/{USER}/tasks")).status_code == 503
    start(own_server)

    statuses = []
    for _ in range(20):
        response = await client.get(f"/api/{USER}/tasks/{created.json()['id']}")
        statuses.append(response.status_code)
        if response.status_code == 200:
            break
        await asyncio.sleep(0.25)
    assert statuses[-1] == 200, statuses
    assert response.json()["title"] == "Before the outage"
    assert (await client.get("/readyz")).status_code == 200
