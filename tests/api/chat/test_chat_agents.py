"""The chat cycle with agents of our own: what the agent is given (history,
today, a toolbox bound to the user) and what happens when it fails."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx
import pytest

from service.agent.base import AgentError, HistoryMessage, Toolbox
from service.app import create_app
from service.settings import Settings
from tests.support.chat import fetch, post_chat, stored_messages
from tests.support.server import client_for, serve_app

Behaviour = Callable[[Sequence[HistoryMessage], Toolbox], Awaitable[str]]


class ScriptedAgent:
    """An Agent whose reply is whatever the current test scripts; it records its input."""

    def __init__(self) -> None:
        self.behaviour: Behaviour | None = None
        self.histories: list[list[HistoryMessage]] = []
        self.days: list[dt.date] = []

    async def reply(
        self, history: Sequence[HistoryMessage], toolbox: Toolbox, *, today: dt.date
    ) -> str:
        self.histories.append(list(history))
        self.days.append(today)
        assert self.behaviour is not None
        return await self.behaviour(history, toolbox)


HISTORY_LIMIT = 3


@pytest.fixture
def agent() -> ScriptedAgent:
    return ScriptedAgent()


@pytest.fixture
async def client(
    db_settings: Settings, agent: ScriptedAgent, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(db_settings, chat_history_limit=HISTORY_LIMIT), agent=agent)
    async with (
        serve_app(app) as url,
        client_for(url, token) as client,
    ):
        yield client


async def echo(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
    return f"echo: {history[-1].content}"


async def stored(database_url: str, conversation_id: int) -> list[tuple[str, str]]:
    rows = await stored_messages(database_url, conversation_id, "role, content")
    return [(row["role"], row["content"]) for row in rows]


async def test_the_agent_gets_the_last_history_limit_messages_ending_with_the_new_one(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent
) -> None:
    agent.behaviour = echo
    first = (await post_chat(client, user_id, "one")).json()
    conversation_id = first["conversation_id"]
    await post_chat(client, user_id, "two", conversation_id)
    await post_chat(client, user_id, "three", conversation_id)

    assert [(m.role, m.content) for m in agent.histories[0]] == [("user", "one")]
    assert [(m.role, m.content) for m in agent.histories[1]] == [
        ("user", "one"),
        ("assistant", "echo: one"),
        ("user", "two"),
    ]
    assert [(m.role, m.content) for m in agent.histories[2]] == [
        ("user", "two"),
        ("assistant", "echo: two"),
        ("user", "three"),
    ]


async def test_the_agent_is_told_todays_utc_date(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent
) -> None:
    agent.behaviour = echo
    before = dt.datetime.now(dt.UTC).date()
    await post_chat(client, user_id, "what day is it")
    after = dt.datetime.now(dt.UTC).date()
    assert before <= agent.days[0] <= after


async def test_earlier_tool_calls_come_back_in_the_history(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent
) -> None:
    async def add(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        await toolbox.call("add_task", {"title": history[-1].content})
        return "added"

    agent.behaviour = add
    first = (await post_chat(client, user_id, "water plants")).json()
    agent.behaviour = echo
    await post_chat(client, user_id, "and then?", first["conversation_id"])

    assistant = agent.histories[1][1]
    assert assistant.role == "assistant"
    [call] = assistant.tool_calls
    assert call.name == "add_task"
    assert call.arguments == {"title": "water plants"}
    assert call.result == first["tool_calls"][0]["result"]


async def test_tools_act_as_the_authenticated_user_whatever_the_arguments_say(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    async def impersonate(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        await toolbox.call("add_task", {"title": "mine", "user_id": "victim"})
        await toolbox.call("list_tasks", {"user_id": "victim"})
        await toolbox.call("add_task", {"title": "really mine"})
        return "done"

    agent.behaviour = impersonate
    reply = (await post_chat(client, user_id, "go")).json()

    refused, listed, added = (call["result"] for call in reply["tool_calls"])
    assert "user_id" in refused["error"]
    assert "user_id" in listed["error"]
    assert added["status"] == "created"
    rows = await fetch(database_url, "SELECT user_id FROM tasks WHERE id = $1", added["task_id"])
    assert rows == [{"user_id": user_id}]
    assert await fetch(database_url, "SELECT id FROM tasks WHERE user_id = 'victim'") == []


@pytest.mark.parametrize(
    ("error_code", "expected_code"),
    [("AI_UNAVAILABLE", "AI_UNAVAILABLE"), ("AI_TIMEOUT", "AI_TIMEOUT")],
)
async def test_an_agent_error_is_503_with_the_conversation_and_keeps_the_user_message(
    client: httpx.AsyncClient,
    user_id: str,
    agent: ScriptedAgent,
    database_url: str,
    error_code: str,
    expected_code: str,
) -> None:
    async def fail(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        raise AgentError(error_code, "The provider did not answer.")

    agent.behaviour = fail
    response = await post_chat(client, user_id, "add milk")

    assert response.status_code == 503
    error = response.json()
    assert error["error_code"] == expected_code
    assert error["detail"] == "The provider did not answer."
    conversation_id = error["conversation_id"]
    assert await stored(database_url, conversation_id) == [
        ("user", "add milk"),
        ("assistant", "The provider did not answer."),
    ]
    assert (await client.get(f"/api/{user_id}/tasks")).json() == []
    messages = await client.get(f"/api/{user_id}/conversations/{conversation_id}/messages")
    assert [m["status"] for m in messages.json()] == ["complete", "failed"]


async def test_an_unexpected_agent_exception_is_503_ai_unavailable_and_logged(
    client: httpx.AsyncClient,
    user_id: str,
    agent: ScriptedAgent,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def crash(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        raise RuntimeError("a bug in the agent")

    agent.behaviour = crash
    response = await post_chat(client, user_id, "secret words")

    assert response.status_code == 503
    error = response.json()
    assert error["error_code"] == "AI_UNAVAILABLE"
    assert "bug" not in error["detail"]
    assert await stored(database_url, error["conversation_id"]) == [
        ("user", "secret words"),
        ("assistant", "The assistant could not answer; please retry."),
    ]
    logged = [r for r in caplog.records if r.name == "service.chat"]
    assert logged
    assert logged[0].exc_info is not None
    assert all("secret words" not in r.getMessage() for r in caplog.records)


async def test_after_a_failure_the_client_retries_in_the_same_conversation(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    async def fail(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        raise AgentError("AI_TIMEOUT", "Timed out.")

    agent.behaviour = fail
    conversation_id = (await post_chat(client, user_id, "hello?")).json()["conversation_id"]
    agent.behaviour = echo
    retried = await post_chat(client, user_id, "hello?", conversation_id)

    assert retried.status_code == 200
    assert retried.json()["conversation_id"] == conversation_id
    assert await stored(database_url, conversation_id) == [
        ("user", "hello?"),
        ("assistant", "Timed out."),
        ("user", "hello?"),
        ("assistant", "echo: hello?"),
    ]
    # The retry's history shows the failed turn too.
    assert [m.content for m in agent.histories[1]] == ["hello?", "Timed out.", "hello?"]


async def test_a_failure_in_an_existing_conversation_names_it(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    agent.behaviour = echo
    conversation_id = (await post_chat(client, user_id, "first")).json()["conversation_id"]

    async def fail(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        raise AgentError("AI_UNAVAILABLE", "Down.")

    agent.behaviour = fail
    response = await post_chat(client, user_id, "second", conversation_id)
    assert response.status_code == 503
    assert response.json()["conversation_id"] == conversation_id
    assert await stored(database_url, conversation_id) == [
        ("user", "first"),
        ("assistant", "echo: first"),
        ("user", "second"),
        ("assistant", "Down."),
    ]


async def test_tool_effects_before_a_failure_are_stored_in_a_failed_assistant_message(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    async def add_then_fail(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        await toolbox.call("add_task", {"title": "half way"})
        raise AgentError("AI_TIMEOUT", "Timed out.")

    agent.behaviour = add_then_fail
    response = await post_chat(client, user_id, "add half way")
    assert response.status_code == 503
    conversation_id = response.json()["conversation_id"]
    assert await stored(database_url, conversation_id) == [
        ("user", "add half way"),
        ("assistant", "Timed out."),
    ]
    messages = (await client.get(f"/api/{user_id}/conversations/{conversation_id}/messages")).json()
    assert messages[1]["status"] == "failed"
    assert [(c["name"], c["result"]["status"]) for c in messages[1]["tool_calls"]] == [
        ("add_task", "created")
    ]
    assert [t["title"] for t in (await client.get(f"/api/{user_id}/tasks")).json()] == ["half way"]


async def test_a_reply_with_nul_characters_is_stored_without_them(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    async def nul(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        await toolbox.call("add_task", {"title": "a\x00b"})
        return "odd\x00reply"

    agent.behaviour = nul
    reply = (await post_chat(client, user_id, "go")).json()
    assert reply["response"] == "oddreply"
    [call] = reply["tool_calls"]
    assert call["arguments"] == {"title": "ab"}
    assert "NUL" in call["result"]["error"]
    rows = await fetch(
        database_url,
        "SELECT content, tool_calls FROM messages WHERE id = $1",
        reply["message_id"],
    )
    assert rows[0]["content"] == "oddreply"
    assert json.loads(rows[0]["tool_calls"]) == reply["tool_calls"]


async def test_a_conversation_deleted_while_the_agent_works_is_404_and_stays_deleted(
    client: httpx.AsyncClient, user_id: str, agent: ScriptedAgent, database_url: str
) -> None:
    agent.behaviour = echo
    conversation_id = (await post_chat(client, user_id, "first")).json()["conversation_id"]

    async def delete_meanwhile(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        deleted = await client.delete(f"/api/{user_id}/conversations/{conversation_id}")
        assert deleted.status_code == 204
        return "too late"

    agent.behaviour = delete_meanwhile
    response = await post_chat(client, user_id, "second", conversation_id)
    assert response.status_code == 404
    assert response.json()["error_code"] == "CONVERSATION_NOT_FOUND"
    assert await stored(database_url, conversation_id) == []


class CountingPool:
    """The app's pool, counting the statements run through it."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.statements = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.pool, name)
        if name in ("fetch", "fetchrow", "fetchval", "execute"):
            self.statements += 1
        return attribute


# Each tool call is its own statement plus the one that records it at once.
@pytest.mark.parametrize(("tool_calls", "statements"), [(0, 2), (1, 4), (3, 8)])
async def test_a_turn_runs_two_statements_plus_two_per_tool_call(
    db_settings: Settings, token: str, user_id: str, tool_calls: int, statements: int
) -> None:
    async def add_some(history: Sequence[HistoryMessage], toolbox: Toolbox) -> str:
        for n in range(tool_calls):
            await toolbox.call("add_task", {"title": f"task {n}"})
        return "ok"

    agent = ScriptedAgent()
    agent.behaviour = add_some
    app = create_app(db_settings, agent=agent)
    async with (
        serve_app(app) as url,
        client_for(url, token) as client,
    ):
        context = app.state.context
        counting = CountingPool(context.pool)
        context.pool = counting
        try:
            first = await post_chat(client, user_id, "new conversation")
            counted_first = counting.statements
            await post_chat(client, user_id, "next turn", first.json()["conversation_id"])
        finally:
            context.pool = counting.pool
    assert counted_first == statements
    assert counting.statements == 2 * statements
