"""A chat turn with a provider that fails the way real ones do (SPEC 6).

Each test is one of the reproductions the turn once failed: effects lost and
then repeated on retry, no deadline, a client that leaves, unbounded context,
unbounded work. The provider is the fake OpenAI-compatible server over real
HTTP; the database is the real one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from service.agent.openai.agent import TOOL_LIMIT_REPLY
from service.settings import Settings
from tests.support.chat import fetch, openai_settings, post_chat, say, stored_messages
from tests.support.fake_llm import FakeLLM, failure, slow, text, tool_calls
from tests.support.server import client_for, live_server


@pytest.fixture
async def turn_client(
    db_settings: Settings, llm: FakeLLM, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with the fake provider and a short turn deadline."""
    settings = openai_settings(
        db_settings, llm, ai_timeout_seconds=5.0, chat_turn_timeout_seconds=1.5
    )
    async with live_server(settings) as url, client_for(url, token) as client:
        yield client


async def chat_with_key(
    client: httpx.AsyncClient, user_id: str, message: str, key: str
) -> httpx.Response:
    return await client.post(
        f"/api/{user_id}/chat", json={"message": message}, headers={"Idempotency-Key": key}
    )


async def titles(client: httpx.AsyncClient, user_id: str) -> list[str]:
    return [task["title"] for task in (await client.get(f"/api/{user_id}/tasks")).json()]


async def test_a_tool_call_before_a_provider_failure_is_stored_and_not_repeated_on_retry(
    turn_client: httpx.AsyncClient, llm: FakeLLM, user_id: str, database_url: str
) -> None:
    llm.script(tool_calls(("add_task", {"title": "pay rent"})), failure(500), failure(500))
    key = uuid.uuid4().hex
    failed = await chat_with_key(turn_client, user_id, "add pay rent", key)
    assert failed.status_code == 503
    conversation_id = failed.json()["conversation_id"]
    assert await titles(turn_client, user_id) == ["pay rent"]
    messages = (
        await turn_client.get(f"/api/{user_id}/conversations/{conversation_id}/messages")
    ).json()
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "complete"),
        ("assistant", "failed"),
    ]
    assert [c["name"] for c in messages[1]["tool_calls"]] == ["add_task"]

    # The retry, as SPEC 6 tells the client to: the same key resumes the turn.
    llm.script(text("Added pay rent."))
    retried = await chat_with_key(turn_client, user_id, "add pay rent", key)
    assert retried.status_code == 200, retried.text
    assert retried.json()["conversation_id"] == conversation_id
    assert [c["name"] for c in retried.json()["tool_calls"]] == ["add_task"]
    assert await titles(turn_client, user_id) == ["pay rent"]  # not added twice
    # The model saw the recorded call and its result, not a second request.
    sent = llm.received[-1].messages
    assert [m["role"] for m in sent].count("user") == 1
    assert any(m["role"] == "tool" and '"created"' in m["content"] for m in sent)
    rows = await stored_messages(database_url, conversation_id, "role, status")
    assert [(r["role"], r["status"]) for r in rows] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]


async def test_without_a_key_the_next_turn_sees_what_the_failed_one_did(
    turn_client: httpx.AsyncClient, llm: FakeLLM, user_id: str
) -> None:
    llm.script(tool_calls(("add_task", {"title": "pay rent"})), failure(500), failure(500))
    failed = await post_chat(turn_client, user_id, "add pay rent")
    conversation_id = failed.json()["conversation_id"]
    llm.script(text("It is already there."))
    await say(turn_client, user_id, "add pay rent", conversation_id)
    sent = llm.received[-1].messages
    calls = [c["function"]["name"] for m in sent for c in m.get("tool_calls") or []]
    assert calls == ["add_task"]


async def test_the_turn_deadline_stops_a_slow_provider_and_nothing_runs_after_it(
    turn_client: httpx.AsyncClient, llm: FakeLLM, user_id: str
) -> None:
    llm.script(
        tool_calls(("add_task", {"title": "first"})),
        slow(tool_calls(("add_task", {"title": "second"})), 3),
        tool_calls(("add_task", {"title": "third"})),
        text("done"),
    )
    response = await post_chat(turn_client, user_id, "add things")
    assert response.status_code == 503
    assert response.json()["error_code"] == "AI_TIMEOUT"
    await asyncio.sleep(3)  # had the turn gone on, it would have added more by now
    assert await titles(turn_client, user_id) == ["first"]
    assert len(llm.received) == 2


async def test_a_client_that_disconnects_stops_the_turn(
    turn_client: httpx.AsyncClient, llm: FakeLLM, user_id: str, database_url: str
) -> None:
    llm.script(
        tool_calls(("add_task", {"title": "first"})),
        slow(tool_calls(("add_task", {"title": "second"})), 1.0),
        text("done"),
    )
    with pytest.raises(httpx.ReadTimeout):
        await turn_client.post(f"/api/{user_id}/chat", json={"message": "add things"}, timeout=0.5)
    await asyncio.sleep(1.5)
    assert await titles(turn_client, user_id) == ["first"]
    assert len(llm.received) == 2  # nothing more was sent after the client left
    rows = await fetch(
        database_url,
        "SELECT status FROM messages WHERE user_id = $1 AND role = 'assistant'",
        user_id,
    )
    assert rows == [{"status": "failed"}]


async def test_a_model_asking_for_more_than_the_tool_call_cap_is_stopped(
    turn_client: httpx.AsyncClient, llm: FakeLLM, user_id: str
) -> None:
    def round_of(start: int) -> Any:
        return tool_calls(*(("add_task", {"title": f"t{start + n}"}) for n in range(10)))

    llm.script(round_of(0), round_of(10), round_of(20), text("never reached"))
    reply = await say(turn_client, user_id, "add thirty tasks")
    assert reply["response"] == TOOL_LIMIT_REPLY.format(limit=20)
    assert len(reply["tool_calls"]) == 20
    assert len(await titles(turn_client, user_id)) == 20


async def test_history_and_messages_stay_bounded_after_many_big_listings(
    db_settings: Settings, llm: FakeLLM, token: str, user_id: str
) -> None:
    builtin = db_settings
    async with live_server(builtin) as url, client_for(url, token) as client:
        for n in range(100):
            await client.post(
                f"/api/{user_id}/tasks",
                json={
                    "title": f"{n:03d} " + "t" * 196,
                    "description": "d" * 2000,
                    "tags": [f"{n}-{i}-" + "x" * 26 for i in range(10)],
                },
            )
        conversation_id = (await say(client, user_id, "show my tasks"))["conversation_id"]
        for _ in range(99):
            await say(client, user_id, "show my tasks", conversation_id)
        page = await client.get(
            f"/api/{user_id}/conversations/{conversation_id}/messages", params={"limit": 200}
        )
        assert page.status_code == 200
        assert len(page.content) < 2_000_000

    async with (
        live_server(openai_settings(db_settings, llm)) as url,
        client_for(url, token) as client,
    ):
        llm.script(text("You have 100 tasks."))
        await say(client, user_id, "how many tasks do I have?", conversation_id)
    sent = llm.received[-1]
    assert len(httpx.Request("POST", "/", json=sent.json).content) < 64_000
    assert sent.messages[1]["role"] == "user"  # the cut never starts with a reply
