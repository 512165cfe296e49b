"""The built-in agent end to end: how a task is referred to (by title, by
answering "which one?", by "it", by its place in the list just shown).

Each turn goes the way the chat endpoint takes it (see tests/support/builtin_chat.py):
nothing but the stored history carries over between turns. Assertions look at
the reply and at the tasks table.
"""

from __future__ import annotations

from tests.support.builtin_chat import Chat

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
