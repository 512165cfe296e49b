"""Undo in the built-in agent (SPEC 6 `undo_last_change`): the last change of the
conversation is reverted from what was recorded with it, on any replica.

Every turn is answered by a fresh agent and toolbox from the stored history
only (tests/support/builtin_chat.py), as another replica would.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.builtin_chat import Chat, at


async def full_row(chat: Chat, task_id: int) -> dict[str, Any] | None:
    row = await chat.context.pool.fetchrow(
        "SELECT id, user_id, title, description, completed, priority, due_at, tags, "
        "created_at, completed_at FROM tasks WHERE user_id = $1 AND id = $2",
        chat.user_id,
        task_id,
    )
    return dict(row) if row else None


@pytest.mark.parametrize("phrase", ["undo", "undo that", "put it back", "never mind"])
async def test_a_deleted_task_comes_back_with_its_id_and_every_field(
    chat: Chat, phrase: str
) -> None:
    task_id = await chat.add(
        "File taxes", description="forms in drawer", priority="high", due_at="2026-12-15T09:00:00Z",
        tags=["money", "home"],
    )  # fmt: skip
    await chat.say(f"complete task {task_id}")
    before = await full_row(chat, task_id)
    assert await chat.say(f"delete task {task_id}") == f'Deleted task #{task_id} "File taxes".'
    assert await full_row(chat, task_id) is None

    reply = await chat.say(phrase)

    assert reply == f'Undid the last change: put back task #{task_id} "File taxes".'
    assert await full_row(chat, task_id) == before


async def test_a_completion_of_several_tasks_is_reverted_together(chat: Chat) -> None:
    milk, mom = await chat.add("Buy milk"), await chat.add("Call mom")
    await chat.say(f"complete {milk} and {mom}")
    reply = await chat.say("undo")
    assert reply == (
        f'Undid the last change: set back task #{mom} "Call mom", set back task #{milk} "Buy milk".'
    )
    tasks = await chat.tasks()
    assert [tasks[milk]["completed"], tasks[mom]["completed"]] == [False, False]
    assert (await full_row(chat, milk) or {})["completed_at"] is None


async def test_an_edit_is_reverted_and_an_add_is_removed(chat: Chat) -> None:
    report = await chat.add("Write report", priority="low", due_at=at(26).isoformat())
    await chat.say(f"rename task {report} to write the annual report")
    await chat.say(f"set task {report} priority to high")
    await chat.say("add buy stamps")
    [stamps] = [task_id for task_id in await chat.tasks() if task_id != report]

    assert await chat.say("undo") == f'Undid the last change: removed task #{stamps} "buy stamps".'
    assert stamps not in await chat.tasks()
    assert "set back" in await chat.say("undo")
    assert (await chat.task(report))["priority"] == "low"
    assert (await chat.task(report))["title"] == "write the annual report"
    await chat.say("undo")
    assert (await chat.task(report))["title"] == "Write report"
    # Three changes undone, none left in this conversation: nothing more happens.
    before = await chat.tasks()
    reply = await chat.say("undo")
    assert reply.startswith("Nothing was undone:")
    assert await chat.tasks() == before


async def test_several_deletions_confirmed_with_yes_come_back_together(chat: Chat) -> None:
    ids = [await chat.add(title) for title in ("a", "b", "c")]
    await chat.say(f"delete tasks {ids[0]}, {ids[1]} and {ids[2]}")
    await chat.say("yes")
    assert await chat.tasks() == {}
    await chat.say("put them back")
    assert sorted(await chat.tasks()) == ids


async def test_undo_with_nothing_changed_says_so_and_changes_nothing(chat: Chat) -> None:
    await chat.add("Buy milk")
    before = await chat.tasks()
    await chat.say("show my tasks")
    reply = await chat.say("undo")
    assert reply == "Nothing was undone: There is no change in this conversation to undo."
    assert await chat.tasks() == before


async def test_undo_reaches_only_this_conversation(chat: Chat) -> None:
    task_id = await chat.add("Buy milk")
    await chat.say(f"delete task {task_id}")
    other = chat.new_conversation()
    assert (await other.say("undo")).startswith("Nothing was undone:")
    assert await chat.tasks() == {}
