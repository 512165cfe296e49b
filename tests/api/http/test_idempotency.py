"""Idempotency-Key on POST /tasks and POST /chat (SPEC 5, 6): replay, refusals,
in-flight conflicts, stale claims, and keys kept apart per user."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
import pytest

from service.agent.base import AgentError, HistoryMessage, Toolbox
from service.agent.builtin import BuiltinAgent
from service.app import create_app
from service.settings import Settings
from tests.support.chat import fetch
from tests.support.server import client_for, serve_app


def new_key() -> str:
    return f"key-{uuid.uuid4().hex}"


async def create(client: httpx.AsyncClient, user_id: str, key: str, **body: Any) -> httpx.Response:
    return await client.post(
        f"/api/{user_id}/tasks",
        json={"title": "Pay rent", **body},
        headers={"Idempotency-Key": key},
    )


async def count_tasks(client: httpx.AsyncClient, user_id: str) -> int:
    return int((await client.get(f"/api/{user_id}/tasks")).headers["x-total-count"])


async def test_the_same_key_and_body_replays_the_first_response_without_a_second_task(
    client: httpx.AsyncClient, user_id: str
) -> None:
    key = new_key()
    first = await create(client, user_id, key)
    again = await create(client, user_id, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_tasks(client, user_id) == 1


async def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, user_id: str
) -> None:
    key = new_key()
    await create(client, user_id, key)
    other = await create(client, user_id, key, title="Something else")
    assert other.status_code == 422
    assert other.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count_tasks(client, user_id) == 1


async def test_a_refused_request_stores_nothing_so_the_key_can_be_used_again(
    client: httpx.AsyncClient, user_id: str
) -> None:
    key = new_key()
    refused = await create(client, user_id, key, title="")
    assert refused.status_code == 400
    fixed = await create(client, user_id, key, title="Pay rent")
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers


async def test_an_unauthenticated_or_oversized_request_stores_nothing(
    base_url: str, client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    key = new_key()
    async with client_for(base_url) as anonymous:
        response = await anonymous.post(
            f"/api/{user_id}/tasks", json={"title": "x"}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 401
    too_big = await create(client, user_id, key, description="d" * 70_000)
    assert too_big.status_code == 413
    rows = await fetch(database_url, "SELECT key FROM idempotency_keys WHERE key = $1", key)
    assert rows == []


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\there", "naïve".encode()])
async def test_a_malformed_key_is_400(client: httpx.AsyncClient, user_id: str, key: bytes) -> None:
    response = await client.post(
        f"/api/{user_id}/tasks", json={"title": "x"}, headers={b"Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert await count_tasks(client, user_id) == 0


async def test_keys_belong_to_their_user(
    base_url: str, client: httpx.AsyncClient, user_id: str, make_token: Callable[..., str]
) -> None:
    key = new_key()
    mine = await create(client, user_id, key)
    other_user = f"{user_id}-other"
    async with client_for(base_url, make_token(other_user)) as other:
        theirs = await create(other, other_user, key)
        assert theirs.status_code == 201
        assert "idempotent-replayed" not in theirs.headers
        assert theirs.json()["id"] != mine.json()["id"]
        assert theirs.json()["user_id"] == other_user


class SlowAgent:
    """An agent that waits for the test to let it finish."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def reply(self, history: Sequence[HistoryMessage], toolbox: Toolbox, **_: Any) -> str:
        self.started.set()
        await self.release.wait()
        return "finally"


@pytest.fixture
async def slow_app(db_settings: Settings) -> AsyncIterator[tuple[str, SlowAgent]]:
    agent = SlowAgent()
    async with serve_app(create_app(db_settings, agent=agent)) as url:
        yield url, agent


async def test_the_same_key_while_the_first_is_running_is_409_with_retry_after(
    slow_app: tuple[str, SlowAgent], token: str, user_id: str
) -> None:
    url, agent = slow_app
    key = new_key()
    body = {"message": "hello"}
    async with client_for(url, token) as client:
        first = asyncio.create_task(
            client.post(f"/api/{user_id}/chat", json=body, headers={"Idempotency-Key": key})
        )
        await agent.started.wait()
        second = await client.post(
            f"/api/{user_id}/chat", json=body, headers={"Idempotency-Key": key}
        )
        assert second.status_code == 409
        assert second.json()["error_code"] == "IDEMPOTENCY_KEY_IN_USE"
        assert int(second.headers["retry-after"]) >= 1
        agent.release.set()
        assert (await first).status_code == 200
        replayed = await client.post(
            f"/api/{user_id}/chat", json=body, headers={"Idempotency-Key": key}
        )
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json() == (await first).json()


class FailingAfter:
    """The built-in agent, whose attempt number `failing` dies after `calls` tool calls."""

    def __init__(self, calls: int, *, failing: int = 1) -> None:
        self.calls = calls
        self.failing = failing
        self.attempts = 0
        self.agent = BuiltinAgent()

    async def reply(self, history: Sequence[HistoryMessage], toolbox: Toolbox, **kw: Any) -> str:
        self.attempts += 1
        if self.attempts != self.failing:
            return await self.agent.reply(history, toolbox, **kw)
        budget = self.calls
        original = toolbox.call

        async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            nonlocal budget
            if budget == 0:
                raise AgentError("AI_UNAVAILABLE", "The process went away.")
            budget -= 1
            return await original(name, arguments)

        toolbox.call = call  # type: ignore[method-assign]
        return await self.agent.reply(history, toolbox, **kw)


async def test_a_failed_builtin_turn_resumes_with_its_key_and_no_call_runs_twice(
    db_settings: Settings, token: str, user_id: str, database_url: str
) -> None:
    agent = FailingAfter(calls=2, failing=2)
    async with (
        serve_app(create_app(db_settings, agent=agent)) as url,
        client_for(url, token) as client,
    ):
        ids = [
            (await client.post(f"/api/{user_id}/tasks", json={"title": t})).json()["id"]
            for t in ("a", "b", "c")
        ]
        # Deleting several asks first; the "yes" turn is the one that fails.
        asked = await client.post(
            f"/api/{user_id}/chat",
            json={"message": f"delete tasks {ids[0]}, {ids[1]} and {ids[2]}"},
        )
        assert asked.json()["response"].startswith("Delete these 3 tasks?")
        message = {"message": "yes", "conversation_id": asked.json()["conversation_id"]}
        key = new_key()
        failed = await client.post(
            f"/api/{user_id}/chat", json=message, headers={"Idempotency-Key": key}
        )
        assert failed.status_code == 503
        assert await count_tasks(client, user_id) == 1  # two deletes ran
        resumed = await client.post(
            f"/api/{user_id}/chat", json=message, headers={"Idempotency-Key": key}
        )
        assert resumed.status_code == 200, resumed.text
        reply = resumed.json()
        assert reply["response"] == (
            f'Deleted task #{ids[0]} "a", task #{ids[1]} "b" and task #{ids[2]} "c".'
        )
        assert [c["result"]["status"] for c in reply["tool_calls"]] == ["deleted"] * 3
        assert await count_tasks(client, user_id) == 0
    messages = await fetch(
        database_url,
        "SELECT role, status FROM messages WHERE conversation_id = $1 ORDER BY id",
        failed.json()["conversation_id"],
    )
    assert (
        messages
        == [
            {"role": "user", "status": "complete"},
            {"role": "assistant", "status": "complete"},
        ]
        * 2
    )


async def test_a_claim_left_by_a_killed_process_expires_and_the_retry_resumes(
    db_settings: Settings, token: str, user_id: str, database_url: str
) -> None:
    agent = FailingAfter(calls=0)
    async with (
        serve_app(create_app(db_settings, agent=agent)) as url,
        client_for(url, token) as client,
    ):
        task = (await client.post(f"/api/{user_id}/tasks", json={"title": "a"})).json()
        message = {"message": f"mark task {task['id']} as done"}
        key = new_key()
        await client.post(f"/api/{user_id}/chat", json=message, headers={"Idempotency-Key": key})
        # As if the process had died mid-turn: the claim is still 'running'.
        await fetch(
            database_url,
            "UPDATE idempotency_keys SET state = 'running', locked_until = now() + "
            "interval '1 hour' WHERE user_id = $1 AND key = $2 RETURNING key",
            user_id,
            key,
        )
        busy = await client.post(
            f"/api/{user_id}/chat", json=message, headers={"Idempotency-Key": key}
        )
        assert busy.status_code == 409
        await fetch(
            database_url,
            "UPDATE idempotency_keys SET locked_until = now() - interval '1 second' "
            "WHERE user_id = $1 AND key = $2 RETURNING key",
            user_id,
            key,
        )
        resumed = await client.post(
            f"/api/{user_id}/chat", json=message, headers={"Idempotency-Key": key}
        )
        assert resumed.status_code == 200, resumed.text
        users = await fetch(
            database_url,
            "SELECT count(*) AS n FROM messages WHERE user_id = $1 AND role = 'user'",
            user_id,
        )
        assert users == [{"n": 1}]


async def test_expired_keys_are_purged_on_the_users_next_claim(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    old = new_key()
    await create(client, user_id, old)
    await fetch(
        database_url,
        "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' "
        "WHERE user_id = $1 RETURNING key",
        user_id,
    )
    await create(client, user_id, new_key(), title="Later")
    rows = await fetch(database_url, "SELECT key FROM idempotency_keys WHERE user_id = $1", user_id)
    assert old not in {row["key"] for row in rows}
    # An expired key is a new key again.
    again = await create(client, user_id, old)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
