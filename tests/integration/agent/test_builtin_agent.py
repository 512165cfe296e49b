"""The built-in agent end to end on the real toolbox and the real database:
adding and listing, several tasks at once, and determinism.

Each turn goes the way the chat endpoint takes it (see tests/support/builtin_chat.py):
nothing but the stored history carries over between turns. Assertions look at
the reply and at the tasks table.
"""

from __future__ import annotations

import re
from typing import Any

from tests.support.builtin_chat import Chat, at

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


async def test_todo_colon_adds_and_my_work_tasks_lists_that_tag(chat: Chat) -> None:
    assert (await chat.say("todo: send invoice")).startswith("Added task #")
    report = await chat.add("Write report", tags=["work"])
    assert await chat.say("show my work tasks") == (
        f"You have 1 task tagged work:\n#{report} Write report (tagged work)"
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


# Several tasks at once


async def test_completing_several_numbers_runs_the_tool_once_per_task(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    mom = await chat.add("Call mom")
    rent = await chat.add("Pay rent")
    reply = await chat.say(f"complete {milk} and {mom}")
    assert reply == f'Marked task #{milk} "Buy milk" and task #{mom} "Call mom" as done.'
    assert [call.arguments["task_id"] for call in chat.changing_calls()] == [milk, mom]
    tasks = await chat.tasks()
    assert [tasks[task]["completed"] for task in (milk, mom, rent)] == [True, True, False]


async def test_deleting_several_names_each_and_what_was_not_found(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    mom = await chat.add("Call mom")
    gone = await chat.add("Old task")
    await chat.say(f"delete task {gone}")
    question = await chat.say(f"delete tasks {milk}, {gone} and {mom}")
    assert question.startswith(f'Delete these 3 tasks? #{milk}, #{gone} "Old task", #{mom}.')
    assert chat.changing_calls() == []
    reply = await chat.say("yes")
    assert reply == (
        f'Deleted task #{milk} "Buy milk" and task #{mom} "Call mom". '
        f"I couldn't find task #{gone}."
    )
    assert await chat.tasks() == {}


async def test_it_after_changing_several_tasks_asks_which(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    mom = await chat.add("Call mom")
    await chat.say(f"complete {milk} and {mom}")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert len(await chat.tasks()) == 2


async def test_tagging_several_tasks_keeps_the_tags_each_has(chat: Chat) -> None:
    milk = await chat.add("Buy milk", tags=["shop"])
    mom = await chat.add("Call mom", tags=["family"])
    reply = await chat.say(f"tag {milk} and {mom} with weekend")
    assert reply == f'Tagged task #{milk} "Buy milk" and task #{mom} "Call mom" with weekend.'
    tasks = await chat.tasks()
    assert (tasks[milk]["tags"], tasks[mom]["tags"]) == (["shop", "weekend"], ["family", "weekend"])


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


async def test_a_date_past_the_year_9999_is_a_clear_answer_and_stores_nothing(
    chat: Chat,
) -> None:
    for phrase in ("in 99999999 weeks", "in 9999999999 days", "in 200000 months"):
        reply = await chat.say(f"add water the plants {phrase}")
        assert reply.startswith("That date is too far away"), reply
    reply = await chat.say(f"add x in {'9' * 3000} days")
    assert reply.startswith("That date is too far away"), reply
    assert chat.calls == []
    assert await chat.tasks() == {}


async def test_a_message_naming_more_tasks_than_one_turn_may_change_changes_none(
    chat: Chat,
) -> None:
    numbers = [await chat.add(f"task {n}") for n in range(25)]
    reply = await chat.say("complete tasks " + ", ".join(str(n) for n in numbers))
    assert reply.startswith("I can change up to 20 tasks at once")
    assert chat.changing_calls() == []
    assert not any(task["completed"] for task in (await chat.tasks()).values())
    reply = await chat.say("complete tasks " + ", ".join(str(n) for n in numbers[:20]))
    assert len(chat.changing_calls()) == 20
