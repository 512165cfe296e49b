"""No conversation state lives in a process: separate server processes (as
replicas would be) serve alternate turns of one conversation, a restart in the
middle of a conversation loses nothing, and concurrent turns are all kept.

Each server is `uvicorn --factory service.asgi:app` configured only through
the environment, with the built-in agent, on the session's database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.support.chat import ServerProcess, say, stored_messages


@pytest.fixture
async def replicas(
    database_url: str, settings: Settings
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    first = ServerProcess(database_url, settings.better_auth_secret)
    second = ServerProcess(database_url, settings.better_auth_secret)
    try:
        await asyncio.gather(asyncio.to_thread(first.start), asyncio.to_thread(second.start))
        yield first, second
    finally:
        await asyncio.gather(asyncio.to_thread(first.stop), asyncio.to_thread(second.stop))


class Chat:
    """One user's conversation, each turn sent to whichever server is given."""

    def __init__(self, user_id: str, token: str) -> None:
        self.user_id = user_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.conversation_id: int | None = None

    async def say(self, server: ServerProcess, message: str) -> dict[str, Any]:
        async with httpx.AsyncClient(
            base_url=server.url, headers=self.headers, timeout=30
        ) as client:
            reply = await say(client, self.user_id, message, self.conversation_id)
        self.conversation_id = reply["conversation_id"]
        return reply

    async def tasks(self, server: ServerProcess) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            response = await client.get(
                f"/api/{self.user_id}/tasks",
                params={"sort": "created_at", "order": "asc"},
                headers=self.headers,
            )
        tasks: list[dict[str, Any]] = response.json()
        return tasks


@pytest.fixture
def conversation(user_id: str, token: str) -> Chat:
    return Chat(user_id, token)


async def test_two_processes_serving_alternate_turns_act_as_one(
    replicas: tuple[ServerProcess, ServerProcess], conversation: Chat, database_url: str
) -> None:
    a, b = replicas

    added = await conversation.say(a, "add buy milk")
    task_id = added["tool_calls"][0]["result"]["task_id"]
    # "it" is resolved from the stored history, on the other process.
    done = await conversation.say(b, "mark it done")
    assert done["tool_calls"][0]["result"] == {
        "task_id": task_id, "status": "completed", "title": "buy milk",
    }  # fmt: skip
    renamed = await conversation.say(a, "rename it to buy oat milk")
    assert renamed["tool_calls"][-1]["result"]["task_id"] == task_id
    listed = await conversation.say(b, "show my tasks")
    assert "buy oat milk" in listed["response"]

    [task] = await conversation.tasks(a)
    assert (task["id"], task["title"], task["completed"]) == (task_id, "buy oat milk", True)
    messages = await stored_messages(
        database_url, conversation.conversation_id, "id, role, content, tool_calls"
    )
    assert [m["role"] for m in messages] == ["user", "assistant"] * 4
    assert [m["id"] for m in messages if m["role"] == "assistant"] == [
        reply["message_id"] for reply in (added, done, renamed, listed)
    ]


async def test_a_question_asked_by_one_process_is_answered_on_the_other(
    replicas: tuple[ServerProcess, ServerProcess], conversation: Chat
) -> None:
    a, b = replicas
    await conversation.say(a, "add call mom")
    await conversation.say(a, "add call dad")
    question = await conversation.say(b, "complete call")
    assert [c["name"] for c in question["tool_calls"]] == ["list_tasks"]  # asks which one

    tasks = await conversation.tasks(a)
    dad = next(t for t in tasks if t["title"] == "call dad")
    answered = await conversation.say(a, f"#{dad['id']}")
    assert answered["tool_calls"][-1]["result"]["status"] == "completed"
    assert {t["title"]: t["completed"] for t in await conversation.tasks(b)} == {
        "call mom": False,
        "call dad": True,
    }


async def test_a_restart_in_the_middle_of_a_conversation_loses_nothing(
    database_url: str, settings: Settings, conversation: Chat
) -> None:
    server = ServerProcess(database_url, settings.better_auth_secret)
    await asyncio.to_thread(server.start)
    try:
        added = await conversation.say(server, "add renew passport")
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(server.start)  # a new process: nothing carried over

        deleted = await conversation.say(server, "delete that one")
        assert deleted["conversation_id"] == added["conversation_id"]
        assert deleted["tool_calls"][0]["result"] == {
            "task_id": added["tool_calls"][0]["result"]["task_id"],
            "status": "deleted",
            "title": "renew passport",
        }
        assert await conversation.tasks(server) == []
    finally:
        await asyncio.to_thread(server.stop)


CONCURRENT_TURNS = 10


async def test_concurrent_turns_in_one_conversation_are_all_kept_once_with_one_reply_each(
    replicas: tuple[ServerProcess, ServerProcess],
    conversation: Chat,
    database_url: str,
) -> None:
    """What "in order" means under concurrency (docs/chat.md): messages are
    ordered by id; every user message is stored exactly once and answered by
    exactly one assistant message with a larger id; no turn is lost or doubled.
    Turns that overlap may see each other's messages or not: their relative
    order is not defined, as between two browser tabs."""
    a, b = replicas
    await conversation.say(a, "hello")
    titles = [f"errand {n}" for n in range(CONCURRENT_TURNS)]

    replies = await asyncio.gather(
        *(conversation.say((a, b)[n % 2], f"add {title}") for n, title in enumerate(titles))
    )

    messages = await stored_messages(
        database_url, conversation.conversation_id, "id, role, content, tool_calls"
    )
    ids = [m["id"] for m in messages]
    assert ids == sorted(set(ids))
    users = [m for m in messages if m["role"] == "user"]
    assistants = {m["id"]: m for m in messages if m["role"] == "assistant"}
    assert sorted(m["content"] for m in users) == sorted(["hello", *(f"add {t}" for t in titles)])
    assert len(assistants) == CONCURRENT_TURNS + 1
    for title, reply in zip(titles, replies, strict=True):
        assert reply["conversation_id"] == conversation.conversation_id
        [call] = reply["tool_calls"]
        assert call["result"]["title"] == title
        stored = assistants[reply["message_id"]]
        # Stored with what reverts it (`undo`), which the API does not show.
        shown = [{k: v for k, v in c.items() if k != "undo"} for c in stored["tool_calls"]]
        assert (stored["content"], shown) == (reply["response"], [call])
        [question] = [m for m in users if m["content"] == f"add {title}"]
        assert question["id"] < reply["message_id"]
    assert len({reply["message_id"] for reply in replies}) == CONCURRENT_TURNS
    assert sorted(t["title"] for t in await conversation.tasks(a)) == sorted(titles)
