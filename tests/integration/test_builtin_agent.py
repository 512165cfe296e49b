"""The built-in agent end to end on the real toolbox and the real database.

Each turn goes the way the chat endpoint takes it: `start_turn` stores the user
message and loads the stored history, a fresh `BuiltinAgent()` answers with a
fresh `TaskToolbox`, and `finish_chat_turn` stores the reply with its tool
calls. Nothing else carries over between turns, as on a restarted server or
another replica. Assertions look at the reply and at the tasks table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from service import db
from service.agent.base import ToolCall
from service.agent.builtin import BuiltinAgent
from service.agent.toolbox import TaskToolbox
from service.chat_contracts import clean_message
from service.context import AppContext
from service.handlers.chat import start_turn
from service.queries import Queries, load_queries
from service.settings import Settings

TODAY = dt.date(2026, 11, 25)  # a Wednesday
CHANGING_TOOLS = ("add_task", "complete_task", "delete_task", "update_task")


@pytest.fixture(scope="module")
def queries() -> Queries:
    return load_queries()


@pytest.fixture(scope="module")
async def pool(db_settings: Settings) -> AsyncIterator[Any]:
    """One pool for the module: every test works on its own fresh user."""
    pool = await db.create_pool(db_settings, db_settings.database_url or "")
    try:
        yield pool
    finally:
        await pool.close()


class Chat:
    """One user's conversations with the built-in agent, stored like the endpoint does."""

    def __init__(self, context: AppContext, user_id: str) -> None:
        self.context = context
        self.user_id = user_id
        self.conversation_id: int | None = None
        self.calls: list[ToolCall] = []  # the tool calls of the latest turn

    async def say(self, text: str) -> str:
        message = clean_message(text, max_chars=self.context.settings.chat_max_message_chars)
        self.conversation_id, history = await start_turn(
            self.context, self.user_id, self.conversation_id, message
        )
        toolbox = TaskToolbox(self.context.pool, self.context.queries, self.user_id)
        reply = await BuiltinAgent().reply(history, toolbox, today=TODAY)
        content = str(reply).replace("\x00", "")
        stored = await self.context.queries.finish_chat_turn(
            self.context.pool,
            user_id=self.user_id,
            conversation_id=self.conversation_id,
            content=content,
            tool_calls=toolbox.calls,
        )
        assert stored is not None
        self.calls = toolbox.calls
        return content

    def changing_calls(self) -> list[ToolCall]:
        return [call for call in self.calls if call.name in CHANGING_TOOLS]

    def new_conversation(self) -> Chat:
        return Chat(self.context, self.user_id)

    async def add(self, title: str, **fields: Any) -> int:
        """Store a task directly, as if made earlier through the task API."""
        toolbox = TaskToolbox(self.context.pool, self.context.queries, self.user_id)
        result = await toolbox.call("add_task", {"title": title, **fields})
        task_id: int = result["task_id"]
        return task_id

    async def tasks(self) -> dict[int, dict[str, Any]]:
        """The user's stored tasks by id, oldest first."""
        rows = await self.context.pool.fetch(
            "SELECT id, title, description, completed, priority, due_at, tags "
            "FROM tasks WHERE user_id = $1 ORDER BY id",
            self.user_id,
        )
        return {row["id"]: dict(row) for row in rows}

    async def task(self, task_id: int) -> dict[str, Any]:
        return (await self.tasks())[task_id]


@pytest.fixture
def chat(db_settings: Settings, queries: Queries, pool: Any, user_id: str) -> Chat:
    return Chat(AppContext(settings=db_settings, queries=queries, pool=pool), user_id)


def at(day: int, hour: int = 9, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


# Adding and listing


async def test_add_stores_the_task_and_the_reply_names_its_number_and_details(chat: Chat) -> None:
    reply = await chat.say("add buy milk tomorrow #groceries with high priority")
    [(task_id, task)] = (await chat.tasks()).items()
    assert (
        reply
        == f"Added task #{task_id}: buy milk (due Thu 26 Nov, high priority, tagged groceries)."
    )
    assert task["title"] == "buy milk"
    assert (task["priority"], task["due_at"], task["tags"]) == ("high", at(26), ["groceries"])
    assert task["completed"] is False
    assert chat.calls[0].result == {"task_id": task_id, "status": "created", "title": "buy milk"}


async def test_add_without_a_title_asks_for_one_and_stores_nothing(chat: Chat) -> None:
    reply = await chat.say("add a task")
    assert reply.startswith("What should the task say?")
    assert chat.calls == []
    assert await chat.tasks() == {}


async def test_a_listing_names_each_matching_task_with_its_number(chat: Chat) -> None:
    milk = await chat.add("Buy milk", due_at="2026-11-27T09:00:00+00:00", priority="high")
    mom = await chat.add("Call mom")
    rent = await chat.add("Pay rent")
    await chat.say(f"complete task {rent}")
    reply = await chat.say("what's pending?")
    assert reply == (
        "You have 2 pending tasks:\n"
        f"#{milk} Buy milk (due Fri 27 Nov, high priority)\n"
        f"#{mom} Call mom"
    )


async def test_an_empty_list_is_said_kindly(chat: Chat) -> None:
    assert await chat.say("show my tasks") == 'You have no tasks yet. Try "add buy milk".'
    assert await chat.say("what do I have to do today?") == (
        "You have no pending tasks due by today. Nice work!"
    )


async def test_greetings_help_and_nonsense_run_no_tool(chat: Chat) -> None:
    await chat.add("Buy milk")
    for text in ("hi", "help", "thanks", "what's the weather like?"):
        assert await chat.say(text)
        assert chat.calls == []
    assert [task["title"] for task in (await chat.tasks()).values()] == ["Buy milk"]


# Naming a task by title


async def test_a_title_matching_several_tasks_asks_which_and_changes_nothing(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    cow = await chat.add("Milk the cow")
    before = await chat.tasks()
    reply = await chat.say("complete milk")
    assert (
        reply
        == f'I found 2 tasks matching "milk": #{milk} Buy milk, #{cow} Milk the cow. Which one?'
    )
    assert chat.changing_calls() == []
    assert await chat.tasks() == before


async def test_an_exact_title_among_several_matches_is_the_one_meant(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    eggs = await chat.add("Buy milk and eggs")
    assert await chat.say("delete buy milk") == f'Deleted task #{milk} "Buy milk".'
    assert list(await chat.tasks()) == [eggs]


async def test_completing_prefers_the_one_pending_match(chat: Chat) -> None:
    done = await chat.add("Buy milk")
    await chat.say(f"complete task {done}")
    pending = await chat.add("Buy milk for mom")
    reply = await chat.say("complete milk")
    assert reply == f'Marked task #{pending} "Buy milk for mom" as done.'
    assert (await chat.task(pending))["completed"] is True


async def test_i_finished_calling_mom_finds_the_task_call_mom(chat: Chat) -> None:
    mom = await chat.add("Call mom")
    assert await chat.say("I finished calling mom") == f'Marked task #{mom} "Call mom" as done.'
    assert (await chat.task(mom))["completed"] is True


async def test_no_title_match_says_so_and_changes_nothing(chat: Chat) -> None:
    await chat.add("Buy milk")
    before = await chat.tasks()
    reply = await chat.say("remove the dentist task")
    assert reply == 'I couldn\'t find a task matching "dentist".'
    assert chat.changing_calls() == []
    assert await chat.tasks() == before


async def test_another_users_task_number_is_not_found_and_stays_unchanged(
    chat: Chat, user_id: str
) -> None:
    other = Chat(chat.context, f"{user_id}-other")
    theirs = await other.add("Their task")
    assert await chat.say(f"mark task {theirs} as done") == f"I couldn't find task #{theirs}."
    assert (await other.task(theirs))["completed"] is False


# Answering "which one?"


async def test_a_number_answering_which_one_carries_out_the_earlier_request(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    cow = await chat.add("Milk the cow")
    await chat.say("complete milk")
    assert await chat.say(f"#{cow}") == f'Marked task #{cow} "Milk the cow" as done.'
    tasks = await chat.tasks()
    assert (tasks[milk]["completed"], tasks[cow]["completed"]) == (False, True)


async def test_a_bare_number_after_a_finished_request_does_not_repeat_it(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    mom = await chat.add("Call mom")
    await chat.say(f"delete task {milk}")
    reply = await chat.say(str(mom))
    assert reply.startswith(f"What would you like to do with task #{mom}?")
    assert chat.calls == []
    assert list(await chat.tasks()) == [mom]


# Back-references ("it", "that one")


async def test_it_means_the_task_of_the_latest_stored_tool_call(chat: Chat) -> None:
    await chat.add("Buy milk")
    await chat.say("add call mom")
    mom = chat.calls[0].result["task_id"]
    assert await chat.say("mark it done") == f'Marked task #{mom} "call mom" as done.'
    assert (await chat.task(mom))["completed"] is True


async def test_it_works_in_a_new_agent_from_the_stored_history_alone(chat: Chat) -> None:
    mom = await chat.add("Call mom")
    await chat.say(f"move task {mom} to friday")
    await chat.say("hello")
    assert await chat.say("delete that one") == f'Deleted task #{mom} "Call mom".'
    assert await chat.tasks() == {}


async def test_it_means_a_task_number_mentioned_in_an_earlier_message(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    await chat.say(f"task #{milk}")
    assert await chat.say("delete that one") == f'Deleted task #{milk} "Buy milk".'
    assert await chat.tasks() == {}


async def test_it_with_nothing_named_before_asks_which_task(chat: Chat) -> None:
    await chat.add("Buy milk")
    assert (await chat.say("mark it done")).startswith("Which task do you mean?")
    assert chat.calls == []


async def test_it_after_a_list_of_several_tasks_asks_which_task(chat: Chat) -> None:
    await chat.add("Buy milk")
    await chat.add("Call mom")
    before = await chat.tasks()
    await chat.say("show my tasks")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert await chat.tasks() == before


async def test_it_in_a_new_conversation_knows_nothing_of_the_old_one(chat: Chat) -> None:
    await chat.say("add call mom")
    fresh = chat.new_conversation()
    assert (await fresh.say("delete it")).startswith("Which task do you mean?")
    assert len(await chat.tasks()) == 1


# Changing a task


async def test_changes_are_confirmed_with_the_number_and_title_and_stored(chat: Chat) -> None:
    mom = await chat.add("Call mom", tags=["family"])
    assert (
        await chat.say(f"move task {mom} to friday")
        == f'Moved task #{mom} "Call mom" to Fri 27 Nov.'
    )
    assert await chat.say("set its priority to low") == (
        f'Set the priority of task #{mom} "Call mom" to low.'
    )
    assert await chat.say("rename it to call dad") == f'Renamed task #{mom} to "call dad".'
    assert await chat.say(f"change the description of task {mom} to after lunch") == (
        f'Updated the description of task #{mom} "call dad".'
    )
    assert await chat.say("mark it done") == f'Marked task #{mom} "call dad" as done.'
    assert await chat.say(f"reopen task {mom}") == f'Reopened task #{mom} "call dad".'
    task = await chat.task(mom)
    assert (task["title"], task["description"], task["priority"]) == (
        "call dad",
        "after lunch",
        "low",
    )
    assert (task["due_at"], task["tags"], task["completed"]) == (at(27), ["family"], False)


async def test_a_missing_task_number_gets_a_helpful_reply(chat: Chat) -> None:
    gone = await chat.add("Buy milk")
    await chat.say(f"delete task {gone}")
    assert await chat.say(f"mark task {gone} as done") == f"I couldn't find task #{gone}."
    assert await chat.say(f"move task {gone} to friday") == f"I couldn't find task #{gone}."


async def test_tagging_adds_to_the_tags_a_task_already_has(chat: Chat) -> None:
    mom = await chat.add("Call mom", tags=["family"])
    reply = await chat.say(f"tag task {mom} with weekend")
    assert reply == f'Tagged task #{mom} "Call mom" with weekend.'
    assert (await chat.task(mom))["tags"] == ["family", "weekend"]


# Determinism


def _numbered_by_order(reply: str, ids: list[int]) -> str:
    """The reply with each task number replaced by its rank among the user's tasks."""
    return re.sub(r"#(\d+)", lambda number: f"#{ids.index(int(number[1])) + 1}", reply)


async def test_the_same_conversation_gives_the_same_replies_and_changes(
    chat: Chat, user_id: str
) -> None:
    script = ["add pay rent on friday", "add call mom", "mark it done", "show my tasks"]

    async def run(user: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        user_chat = Chat(chat.context, user)
        replies = [await user_chat.say(text) for text in script]
        tasks = await user_chat.tasks()
        ids = list(tasks)
        fields = [(task["title"], task["completed"], task["due_at"]) for task in tasks.values()]
        return [_numbered_by_order(reply, ids) for reply in replies], fields

    first = await run(f"{user_id}-a")
    assert first == await run(f"{user_id}-b")
    assert first[1] == [("pay rent", False, at(27)), ("call mom", True, None)]


async def test_it_after_the_help_or_a_question_never_means_an_example_number(chat: Chat) -> None:
    # The help and "which task?" replies quote examples like "task 3".
    await chat.add("Buy milk")
    before = await chat.tasks()
    await chat.say("help")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert chat.calls == []
    assert await chat.tasks() == before
