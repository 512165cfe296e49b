"""The built-in agent end to end over an in-memory toolbox: tool calls and replies.

Each turn uses a fresh `BuiltinAgent()` and only the stored history, as a
restarted server or another replica would.
"""

from __future__ import annotations

import datetime as dt

from service.agent.base import HistoryMessage, ToolCall
from service.agent.builtin import BuiltinAgent
from service.agent.builtin.execute import search_variants
from tests.unit.agent.fake_toolbox import FakeToolbox

TODAY = dt.date(2026, 11, 25)  # a Wednesday


class Conversation:
    """Stores user and assistant messages with their tool calls, like the chat handler."""

    def __init__(self, toolbox: FakeToolbox) -> None:
        self.toolbox = toolbox
        self.history: list[HistoryMessage] = []

    async def say(self, text: str) -> str:
        self.history.append(HistoryMessage(role="user", content=text))
        first_call = len(self.toolbox.calls)
        reply = await BuiltinAgent().reply(self.history, self.toolbox, today=TODAY)
        calls = self.toolbox.calls[first_call:]
        self.history.append(HistoryMessage(role="assistant", content=reply, tool_calls=calls))
        return reply


async def test_add_reply_names_the_number_title_and_details() -> None:
    toolbox = FakeToolbox()
    reply = await Conversation(toolbox).say("add buy milk tomorrow #groceries with high priority")
    assert reply == "Added task #1: buy milk (due Thu 26 Nov, high priority, tagged groceries)."
    assert toolbox.calls[0].arguments == {
        "title": "buy milk",
        "priority": "high",
        "due_at": "2026-11-26T09:00:00+00:00",
        "tags": ["groceries"],
    }


async def test_add_without_a_title_asks_for_one_and_adds_nothing() -> None:
    toolbox = FakeToolbox()
    reply = await Conversation(toolbox).say("add a task")
    assert reply.startswith("What should the task say?")
    assert toolbox.calls == []


async def test_a_title_matching_several_tasks_asks_which_and_changes_nothing() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Milk the cow")
    reply = await Conversation(toolbox).say("complete milk")
    assert reply == 'I found 2 tasks matching "milk": #1 Buy milk, #2 Milk the cow. Which one?'
    assert toolbox.changing_calls() == []


async def test_an_exact_title_among_several_matches_is_the_one_meant() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Buy milk and eggs")
    reply = await Conversation(toolbox).say("delete buy milk")
    assert reply == 'Deleted task #1 "Buy milk".'
    assert list(toolbox.tasks) == [2]


async def test_completing_prefers_the_one_pending_match() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk", completed=True)
    toolbox.add("Buy milk for mom")
    reply = await Conversation(toolbox).say("complete milk")
    assert reply == 'Marked task #2 "Buy milk for mom" as done.'


async def test_a_number_answering_which_one_carries_out_the_earlier_request() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Milk the cow")
    chat = Conversation(toolbox)
    await chat.say("complete milk")
    reply = await chat.say("#2")
    assert reply == 'Marked task #2 "Milk the cow" as done.'
    assert [task["completed"] for task in toolbox.tasks.values()] == [False, True]


async def test_a_bare_number_after_a_finished_request_does_not_repeat_it() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Call mom")
    chat = Conversation(toolbox)
    await chat.say("delete task 1")
    reply = await chat.say("2")
    assert reply.startswith("What would you like to do with task #2?")
    assert list(toolbox.tasks) == [2]


async def test_i_finished_calling_mom_finds_the_task_call_mom() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Call mom")
    reply = await Conversation(toolbox).say("I finished calling mom")
    assert reply == 'Marked task #1 "Call mom" as done.'


async def test_no_title_match_says_so_and_changes_nothing() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    reply = await Conversation(toolbox).say("remove the dentist task")
    assert reply == 'I couldn\'t find a task matching "dentist".'
    assert toolbox.changing_calls() == []


async def test_a_missing_task_number_gets_a_helpful_reply() -> None:
    reply = await Conversation(FakeToolbox()).say("mark task 9 as done")
    assert reply == "I couldn't find task #9."


async def test_it_means_the_task_of_the_latest_stored_tool_call() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Call mom")
    history = [
        HistoryMessage(role="user", content="add call mom"),
        HistoryMessage(
            role="assistant",
            content="Added task #2: Call mom.",
            tool_calls=[
                ToolCall(
                    name="add_task",
                    arguments={"title": "Call mom"},
                    result={"task_id": 2, "status": "created", "title": "Call mom"},
                )
            ],
        ),
        HistoryMessage(role="user", content="mark it done"),
    ]
    reply = await BuiltinAgent().reply(history, toolbox, today=TODAY)
    assert reply == 'Marked task #2 "Call mom" as done.'


async def test_it_means_a_task_number_mentioned_in_an_earlier_message() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    history = [
        HistoryMessage(role="user", content="what about task #1?"),
        HistoryMessage(role="assistant", content="Sorry, I didn't understand that."),
        HistoryMessage(role="user", content="delete that one"),
    ]
    reply = await BuiltinAgent().reply(history, toolbox, today=TODAY)
    assert reply == 'Deleted task #1 "Buy milk".'


async def test_it_with_nothing_named_before_asks_which_task() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    reply = await Conversation(toolbox).say("mark it done")
    assert reply.startswith("Which task do you mean?")
    assert toolbox.calls == []


async def test_it_after_a_list_of_several_tasks_asks_which_task() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk")
    toolbox.add("Call mom")
    chat = Conversation(toolbox)
    await chat.say("show my tasks")
    reply = await chat.say("delete it")
    assert reply.startswith("Which task do you mean?")
    assert toolbox.changing_calls() == []


async def test_a_listing_names_each_task_with_its_number() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Buy milk", due_at="2026-11-27T09:00:00+00:00", priority="high")
    toolbox.add("Call mom")
    toolbox.add("Pay rent", completed=True)
    reply = await Conversation(toolbox).say("what's pending?")
    assert reply == (
        "You have 2 pending tasks:\n#1 Buy milk (due Fri 27 Nov, high priority)\n#2 Call mom"
    )


async def test_an_empty_list_is_said_kindly() -> None:
    toolbox = FakeToolbox()
    assert await Conversation(toolbox).say("show my tasks") == (
        'You have no tasks yet. Try "add buy milk".'
    )
    assert await Conversation(toolbox).say("what do I have to do today?") == (
        "You have no pending tasks due by today. Nice work!"
    )


async def test_changes_are_confirmed_with_the_task_number_and_title() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Call mom", tags=["family"])
    chat = Conversation(toolbox)
    assert await chat.say("move task 1 to friday") == 'Moved task #1 "Call mom" to Fri 27 Nov.'
    assert await chat.say("set its priority to low") == (
        'Set the priority of task #1 "Call mom" to low.'
    )
    assert await chat.say("rename it to call dad") == 'Renamed task #1 to "call dad".'
    assert await chat.say("reopen task 1") == 'Reopened task #1 "call dad".'


async def test_tagging_adds_to_the_tags_a_task_already_has() -> None:
    toolbox = FakeToolbox()
    toolbox.add("Call mom", tags=["family"])
    reply = await Conversation(toolbox).say("tag task 1 with weekend")
    assert reply == 'Tagged task #1 "Call mom" with weekend.'
    assert toolbox.tasks[1]["tags"] == ["family", "weekend"]


async def test_greetings_help_and_nonsense_run_no_tool() -> None:
    toolbox = FakeToolbox()
    for text in ("hi", "help", "thanks", "what's the weather like?"):
        assert await Conversation(toolbox).say(text)
    assert toolbox.calls == []


async def test_the_same_conversation_gives_the_same_replies_and_calls() -> None:
    async def run() -> tuple[list[str], list[ToolCall]]:
        toolbox = FakeToolbox()
        chat = Conversation(toolbox)
        texts = ["add pay rent on friday", "add call mom", "mark it done", "show my tasks"]
        return [await chat.say(text) for text in texts], toolbox.calls

    assert await run() == await run()


def test_search_variants_try_the_words_then_a_plain_verb() -> None:
    assert search_variants("calling mom") == ["calling mom", "call mom", "cal mom", "calle mom"]
    assert search_variants("taking out the bins")[-1] == "take out the bins"
    assert search_variants("buy milk") == ["buy milk"]
