"""Every reference, confirmation and undo of the built-in agent across replicas:
each turn goes to the other of two server processes, so all that carries over
is what the conversation stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from service.settings import Settings
from tests.integration.test_stateless import Chat
from tests.support.chat import ServerProcess


@pytest.fixture(scope="module")
async def pair(database_url: str, settings: Settings) -> AsyncIterator[list[ServerProcess]]:
    servers = [ServerProcess(database_url, settings.better_auth_secret) for _ in range(2)]
    try:
        await asyncio.gather(*(asyncio.to_thread(server.start) for server in servers))
        yield servers
    finally:
        await asyncio.gather(*(asyncio.to_thread(server.stop) for server in servers))


class Alternating:
    """A conversation whose every turn goes to the next server in turn."""

    def __init__(self, chat: Chat, servers: list[ServerProcess]) -> None:
        self.chat = chat
        self.servers = servers
        self.turn = 0

    async def say(self, message: str) -> dict[str, Any]:
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        return await self.chat.say(server, message)

    async def titles(self) -> list[str]:
        return [task["title"] for task in await self.chat.tasks(self.servers[0])]

    async def tasks(self) -> list[dict[str, Any]]:
        return await self.chat.tasks(self.servers[0])


@pytest.fixture
def talk(pair: list[ServerProcess], user_id: str, token: str) -> Alternating:
    return Alternating(Chat(user_id, token), pair)


def changed_ids(reply: dict[str, Any], tool: str) -> list[int]:
    return [c["result"]["task_id"] for c in reply["tool_calls"] if c["name"] == tool]


async def test_it_after_an_add_and_them_after_a_listing(talk: Alternating) -> None:
    await talk.say("add alpha task")
    await talk.say("add beta task")
    done = await talk.say("mark it done")
    assert [c["result"]["title"] for c in done["tool_calls"]] == ["beta task"]
    await talk.say("show pending tasks")
    completed = await talk.say("complete them")
    assert [c["result"]["title"] for c in completed["tool_calls"]] == ["alpha task"]


async def test_them_after_an_empty_listing_asks_and_deletes_nothing(talk: Alternating) -> None:
    await talk.say("add alpha task")
    await talk.say("add beta task")
    assert "no completed tasks" in (await talk.say("show completed tasks"))["response"]
    reply = await talk.say("delete them")
    assert reply["tool_calls"] == []
    assert reply["response"].startswith("Which tasks do you mean?")
    it = await talk.say("delete it")
    assert it["tool_calls"] == []
    assert await talk.titles() == ["alpha task", "beta task"]


async def test_a_place_in_the_list_and_an_answer_to_which_one(talk: Alternating) -> None:
    await talk.say("add buy milk")
    await talk.say("add buy milk powder")
    await talk.say("add call mom")
    question = await talk.say("complete milk")
    assert question["tool_calls"][-1]["name"] == "list_tasks"
    assert "Which one?" in question["response"]
    milk_id = (await talk.tasks())[0]["id"]
    answered = await talk.say(f"#{milk_id}")
    assert changed_ids(answered, "complete_task") == [milk_id]
    await talk.say("show my tasks")
    second = await talk.say("delete the second one")
    assert len(changed_ids(second, "delete_task")) == 1


async def test_a_confirmation_asked_on_one_replica_is_answered_on_the_other(
    talk: Alternating,
) -> None:
    for title in ("a", "b", "c"):
        await talk.say(f"add {title}")
    ids = [task["id"] for task in await talk.tasks()]
    question = await talk.say(f"delete tasks {ids[0]}, {ids[1]} and {ids[2]}")
    assert question["response"].startswith("Delete these 3 tasks?")
    assert question["tool_calls"] == []
    confirmed = await talk.say("yes")
    assert sorted(changed_ids(confirmed, "delete_task")) == ids
    assert await talk.titles() == []
    # ... and undone on the first again, with their ids.
    undone = await talk.say("put them back")
    assert undone["tool_calls"][0]["name"] == "undo_last_change"
    assert sorted(task["id"] for task in await talk.tasks()) == ids


async def test_undo_walks_back_one_change_per_undo_across_replicas(talk: Alternating) -> None:
    await talk.say("add buy milk")
    await talk.say("rename it to buy oat milk")
    await talk.say("mark it done")
    await talk.say("undo")
    [task] = await talk.tasks()
    assert (task["title"], task["completed"]) == ("buy oat milk", False)
    await talk.say("undo that")
    assert await talk.titles() == ["buy milk"]
    await talk.say("never mind")
    assert await talk.titles() == []
    nothing = await talk.say("undo")
    assert nothing["response"].startswith("Nothing was undone")


async def test_no_then_a_new_request_leaves_the_question_behind(talk: Alternating) -> None:
    await talk.say("add a")
    await talk.say("add b")
    await talk.say("show my tasks")
    await talk.say("delete them")
    kept = await talk.say("no")
    assert kept["response"] == "OK, I deleted nothing."
    await talk.say("delete them")
    await talk.say("show my tasks")
    assert (await talk.say("yes"))["tool_calls"] == []  # the question lapsed
    assert await talk.titles() == ["a", "b"]
