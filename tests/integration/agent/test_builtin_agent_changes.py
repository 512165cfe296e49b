"""The built-in agent end to end: changing tasks, clearing fields and tags,
renames whose title holds "to", and tags of tasks past list_tasks' first page.

Each turn goes the way the chat endpoint takes it (see tests/support/builtin_chat.py):
nothing but the stored history carries over between turns. Assertions look at
the reply and at the tasks table.
"""

from __future__ import annotations

from tests.support.builtin_chat import Chat, at

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
