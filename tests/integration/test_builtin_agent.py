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
from typing import Any

import pytest

from service.agent.base import ToolCall
from service.agent.builtin import BuiltinAgent
from service.agent.toolbox import TaskToolbox
from service.chat_contracts import clean_message
from service.context import AppContext
from service.handlers.chat import start_turn
from service.queries import Queries
from service.settings import Settings

TODAY = dt.date(2026, 11, 25)  # a Wednesday
CHANGING_TOOLS = ("add_task", "complete_task", "delete_task", "update_task")


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


async def test_it_after_the_help_or_a_question_never_means_an_example_number(chat: Chat) -> None:
    # The help and "which task?" replies quote examples like "task 3".
    await chat.add("Buy milk")
    before = await chat.tasks()
    await chat.say("help")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert (await chat.say("delete it")).startswith("Which task do you mean?")
    assert chat.calls == []
    assert await chat.tasks() == before


async def test_a_chore_told_in_the_past_tense_completes_its_task(chat: Chat) -> None:
    mom = await chat.add("Call mom")
    rent = await chat.add("Pay rent")
    assert await chat.say("I called mom") == f'Marked task #{mom} "Call mom" as done.'
    assert await chat.say("I paid rent") == f'Marked task #{rent} "Pay rent" as done.'
    assert [task["completed"] for task in (await chat.tasks()).values()] == [True, True]


async def test_a_past_tense_matching_no_task_says_so_and_changes_nothing(chat: Chat) -> None:
    await chat.add("Call mom")
    assert (
        await chat.say("I washed the car") == 'I couldn\'t find a task matching "washed the car".'
    )
    assert chat.changing_calls() == []


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


# "the first one", "the last one": places in the list the previous reply showed


async def test_the_second_one_answers_which_one_with_the_second_option(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    cow = await chat.add("Milk the cow")
    await chat.say("complete milk")
    assert await chat.say("the second one") == f'Marked task #{cow} "Milk the cow" as done.'
    tasks = await chat.tasks()
    assert (tasks[milk]["completed"], tasks[cow]["completed"]) == (False, True)


async def test_the_first_and_the_last_one_answer_which_one(chat: Chat) -> None:
    milk = await chat.add("Buy milk")
    await chat.add("Milk the cow")
    oat = await chat.add("Oat milk")
    await chat.say("delete milk")
    assert await chat.say("the last one") == f'Deleted task #{oat} "Oat milk".'
    await chat.say("delete milk")
    assert await chat.say("the first one") == f'Deleted task #{milk} "Buy milk".'
    assert [task["title"] for task in (await chat.tasks()).values()] == ["Milk the cow"]


async def test_a_place_in_a_listing_names_that_task(chat: Chat) -> None:
    await chat.add("Buy milk")
    mom = await chat.add("Call mom")
    await chat.add("Pay rent")
    await chat.say("show my tasks")
    assert await chat.say("delete the second one") == f'Deleted task #{mom} "Call mom".'
    await chat.say("show my tasks")
    reply = await chat.say("first one")
    assert reply.startswith(f"What would you like to do with task #{min(await chat.tasks())}?")
    assert len(await chat.tasks()) == 2


async def test_a_place_past_the_end_of_the_list_asks_again_and_changes_nothing(
    chat: Chat,
) -> None:
    await chat.add("Buy milk")
    await chat.add("Milk the cow")
    before = await chat.tasks()
    await chat.say("delete milk")
    assert await chat.say("the fourth one") == "I only listed 2 tasks. Which one do you mean?"
    assert chat.calls == []
    assert await chat.tasks() == before


async def test_a_place_counts_only_in_the_list_just_shown(chat: Chat) -> None:
    await chat.add("Buy milk")
    await chat.add("Call mom")
    before = await chat.tasks()
    await chat.say("show my tasks")
    await chat.say("thanks")
    assert (await chat.say("delete the first one")).startswith("Which task do you mean?")
    assert await chat.tasks() == before


async def test_the_last_one_with_no_list_shown_is_the_task_named_last(chat: Chat) -> None:
    await chat.add("Buy milk")
    await chat.say("add call mom")
    mom = chat.calls[0].result["task_id"]
    assert await chat.say("mark the last one as done") == f'Marked task #{mom} "call mom" as done.'
    assert (await chat.task(mom))["completed"] is True


# Clearing fields and removing tags


async def test_removing_the_due_date_clears_it_and_keeps_the_task(chat: Chat) -> None:
    rent = await chat.add("Pay rent", due_at="2026-11-27T09:00:00+00:00", tags=["home"])
    reply = await chat.say(f"remove the due date from task {rent}")
    assert reply == f'Removed the due date from task #{rent} "Pay rent".'
    task = await chat.task(rent)
    assert (task["title"], task["due_at"], task["tags"]) == ("Pay rent", None, ["home"])


async def test_clearing_the_description_empties_it(chat: Chat) -> None:
    rent = await chat.add("Pay rent", description="by bank transfer", priority="high")
    reply = await chat.say(f"clear the description of task {rent}")
    assert reply == f'Removed the description from task #{rent} "Pay rent".'
    task = await chat.task(rent)
    assert (task["description"], task["priority"]) == (None, "high")


async def test_remove_tag_from_a_task_takes_only_that_tag_and_deletes_nothing(chat: Chat) -> None:
    report = await chat.add("Write report", tags=["work", "urgent"])
    reply = await chat.say(f"remove tag work from task {report}")
    assert reply == f'Removed the tag work from task #{report} "Write report".'
    assert (await chat.task(report))["tags"] == ["urgent"]
    assert [call.name for call in chat.changing_calls()] == ["update_task"]


async def test_untag_and_the_tag_word_after_the_name_remove_tags_too(chat: Chat) -> None:
    report = await chat.add("Write report", tags=["work", "home", "later"])
    await chat.say(f"untag task {report} work")
    assert (await chat.task(report))["tags"] == ["home", "later"]
    assert await chat.say("remove the home tag from it") == (
        f'Removed the tag home from task #{report} "Write report".'
    )
    assert (await chat.task(report))["tags"] == ["later"]
    await chat.say(f"remove all tags from task {report}")
    assert (await chat.task(report))["tags"] == []


async def test_removing_a_tag_the_task_lacks_says_so_and_changes_nothing(chat: Chat) -> None:
    report = await chat.add("Write report", tags=["work"])
    reply = await chat.say(f"remove tag home from task {report}")
    assert reply == f'Task #{report} "Write report" has no tag home.'
    assert chat.changing_calls() == []
    assert (await chat.task(report))["tags"] == ["work"]


# Renames whose title holds "to"


async def test_rename_splits_at_the_last_to_when_that_title_exists(chat: Chat) -> None:
    gym = await chat.add("Go to gym")
    shopping = await chat.add("Go shopping")
    reply = await chat.say("rename go to gym to gym session")
    assert reply == f'Renamed task #{gym} to "gym session".'
    tasks = await chat.tasks()
    assert (tasks[gym]["title"], tasks[shopping]["title"]) == ("gym session", "Go shopping")


async def test_rename_tries_an_earlier_to_when_the_last_split_names_no_task(chat: Chat) -> None:
    mom = await chat.add("Call mom")
    reply = await chat.say("rename call mom to talk to mom")
    assert reply == f'Renamed task #{mom} to "talk to mom".'
    assert (await chat.task(mom))["title"] == "talk to mom"


async def test_rename_with_no_matching_title_says_so_and_changes_nothing(chat: Chat) -> None:
    await chat.add("Buy milk")
    before = await chat.tasks()
    reply = await chat.say("rename go to gym to gym session")
    assert reply == 'I couldn\'t find a task matching "go to gym".'
    assert await chat.tasks() == before


async def test_which_one_after_a_split_rename_uses_the_split_it_asked_about(chat: Chat) -> None:
    today = await chat.add("Call mom today")
    back = await chat.add("Call mom back")
    reply = await chat.say("rename call mom to talk to mom")
    assert reply.startswith('I found 2 tasks matching "call mom"')
    assert await chat.say(f"#{back}") == f'Renamed task #{back} to "talk to mom".'
    tasks = await chat.tasks()
    assert (tasks[today]["title"], tasks[back]["title"]) == ("Call mom today", "talk to mom")


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
    reply = await chat.say(f"delete tasks {milk}, {gone} and {mom}")
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


# Tags of a task beyond the first page of list_tasks (100 tasks)


async def _many_tasks_then(chat: Chat, title: str) -> int:
    for number in range(100):
        await chat.add(f"Chore {number}")
    return await chat.add(title, tags=["family"])


async def test_tagging_a_task_beyond_the_first_page_keeps_its_tags(chat: Chat) -> None:
    mom = await _many_tasks_then(chat, "Call mom")
    await chat.say("show tasks tagged family")
    reply = await chat.say(f"tag task {mom} with weekend")
    assert reply == f'Tagged task #{mom} "Call mom" with weekend.'
    assert (await chat.task(mom))["tags"] == ["family", "weekend"]
    lookups = [call.arguments for call in chat.calls if call.name == "list_tasks"]
    assert lookups == [{"status": "all", "q": "Call mom"}]


async def test_tagging_a_task_beyond_the_first_page_by_title_keeps_its_tags(chat: Chat) -> None:
    mom = await _many_tasks_then(chat, "Call mom")
    await chat.say("tag call mom with weekend")
    assert (await chat.task(mom))["tags"] == ["family", "weekend"]


async def test_a_task_beyond_the_first_page_never_seen_keeps_its_tags_untouched(
    chat: Chat,
) -> None:
    mom = await _many_tasks_then(chat, "Call mom")
    reply = await chat.say(f"tag task {mom} with weekend")
    assert reply.startswith(f"I couldn't read the tags task #{mom} has now")
    assert chat.changing_calls() == []
    assert (await chat.task(mom))["tags"] == ["family"]
