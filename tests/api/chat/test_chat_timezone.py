"""The chat request's `timezone` (SPEC 6): both agents read and answer dates in it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from service.settings import Settings
from tests.support.chat import openai_settings
from tests.support.fake_llm import FakeLLM, text, tool_calls
from tests.support.server import client_for, live_server

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


async def chat(
    client: httpx.AsyncClient, user_id: str, message: str, **extra: Any
) -> httpx.Response:
    return await client.post(f"/api/{user_id}/chat", json={"message": message, **extra})


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "zone",
    ["Mars/Olympus_Mons", "../../etc/passwd", "", "Europe/", "europe/berlin ", "x" * 65, 7],
)
async def test_an_unknown_time_zone_is_400_and_stores_nothing(
    client: httpx.AsyncClient, user_id: str, zone: object
) -> None:
    response = await chat(client, user_id, "add buy milk", timezone=zone)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    assert response.json()["field"] == "$.timezone"
    assert (await client.get(f"/api/{user_id}/conversations")).json() == []
    assert (await client.get(f"/api/{user_id}/tasks")).json() == []


async def test_tomorrow_at_5pm_in_berlin_is_stored_as_5pm_berlin_time(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await chat(client, user_id, "add call mom tomorrow at 5pm", timezone="Europe/Berlin")
    assert response.status_code == 200, response.text
    [task] = (await client.get(f"/api/{user_id}/tasks")).json()
    tomorrow = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)
    expected = dt.datetime.combine(tomorrow, dt.time(17, 0), tzinfo=BERLIN)
    assert utc(task["due_at"]) == expected
    assert "17:00" in response.json()["response"]  # answered in the user's zone


async def test_without_a_time_zone_dates_are_utc(client: httpx.AsyncClient, user_id: str) -> None:
    await chat(client, user_id, "add call mom tomorrow at 5pm")
    [task] = (await client.get(f"/api/{user_id}/tasks")).json()
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert utc(task["due_at"]) == dt.datetime.combine(tomorrow, dt.time(17, 0), tzinfo=dt.UTC)


async def test_each_message_keeps_its_zone(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    first = (await chat(client, user_id, "hello", timezone="Asia/Tokyo")).json()
    await chat(client, user_id, "hi again", conversation_id=first["conversation_id"])
    conn = await asyncpg.connect(database_url)
    try:
        zones = await conn.fetch(
            "SELECT timezone FROM messages WHERE user_id = $1 AND role = 'user' ORDER BY id",
            user_id,
        )
    finally:
        await conn.close()
    assert [row["timezone"] for row in zones] == ["Asia/Tokyo", None]


async def test_the_openai_agent_is_told_the_local_time_and_naive_due_dates_are_read_there(
    db_settings: Settings, make_token: Any, user_id: str, llm: FakeLLM
) -> None:
    llm.script(
        tool_calls(("add_task", {"title": "Standup", "due_at": "2026-12-02T09:30:00"})),
        text("Added."),
    )
    async with (
        live_server(openai_settings(db_settings, llm)) as url,
        client_for(url, make_token(user_id)) as client,
    ):
        response = await chat(client, user_id, "add standup tomorrow 9:30", timezone="Asia/Tokyo")
        assert response.status_code == 200, response.text
        [task] = (await client.get(f"/api/{user_id}/tasks")).json()
    assert utc(task["due_at"]) == dt.datetime(2026, 12, 2, 9, 30, tzinfo=TOKYO)
    system = llm.received[0].json["messages"][0]["content"]
    assert "in the user's time zone, Asia/Tokyo (UTC offset +09:00)" in system
    assert dt.datetime.now(TOKYO).date().isoformat() in system


async def test_listed_due_dates_are_told_in_the_users_zone(
    client: httpx.AsyncClient, user_id: str
) -> None:
    due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    due = due.replace(hour=16, minute=0, second=0)
    await client.post(f"/api/{user_id}/tasks", json={"title": "Standup", "due_at": due.isoformat()})
    berlin = (await chat(client, user_id, "show my tasks", timezone="Europe/Berlin")).json()
    tokyo = (await chat(client, user_id, "show my tasks", timezone="Asia/Tokyo")).json()
    assert f"at {due.astimezone(BERLIN):%H:%M}" in berlin["response"]
    assert f"at {due.astimezone(TOKYO):%H:%M}" in tokyo["response"]
    assert f"{due.astimezone(TOKYO).day} " in tokyo["response"]  # Tokyo's day, 01:00 next day
