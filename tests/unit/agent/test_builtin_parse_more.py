"""The built-in agent's parser, continued: places in a list ("the first one"),
several task numbers, clearing fields and tags, renames whose title holds "to",
"todo: ...", "my work tasks" and chores told in the past tense.

Today is Wednesday 25 November 2026 throughout, as in test_builtin_parse.
"""

from __future__ import annotations

import datetime as dt

import pytest

from service.agent.builtin.intents import (
    AddTask,
    BackReference,
    ByNumber,
    ByNumbers,
    ByPosition,
    ByTitle,
    ChooseTask,
    DeleteTask,
    Intent,
    ListTasks,
    SetCompleted,
    SmallTalk,
    UpdateTask,
)
from service.agent.builtin.parse import parse_message

TODAY = dt.date(2026, 11, 25)
FRIDAY = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)

PLACE_CASES: list[tuple[str, Intent]] = [
    ("the first one", ChooseTask(ByPosition(1))),
    ("The second one.", ChooseTask(ByPosition(2))),
    ("the 3rd one please", ChooseTask(ByPosition(3))),
    ("first", ChooseTask(ByPosition(1))),
    ("the last one", ChooseTask(ByPosition(-1))),
    ("the last", ChooseTask(ByPosition(-1))),
    ("last one", ChooseTask(ByPosition(-1))),
    ("delete the second one", DeleteTask(task=ByPosition(2))),
    ("complete the first task", SetCompleted(task=ByPosition(1))),
    ("mark the last one as done", SetCompleted(task=ByPosition(-1))),
    ("rename the first one to call dad", UpdateTask(task=ByPosition(1), title="call dad")),
    ("move the second one to friday", UpdateTask(task=ByPosition(2), due_at=FRIDAY)),
    # Not a place: an ordinal that is part of a title.
    ("complete the first draft", SetCompleted(task=ByTitle("first draft"))),
    ("delete the last minute gifts", DeleteTask(task=ByTitle("last minute gifts"))),
]

SEVERAL_CASES: list[tuple[str, Intent]] = [
    ("complete 3 and 4", SetCompleted(task=ByNumbers((3, 4)))),
    ("delete tasks 2 and 5", DeleteTask(task=ByNumbers((2, 5)))),
    ("delete 2, 5 and 7", DeleteTask(task=ByNumbers((2, 5, 7)))),
    ("remove task 2 and task 5", DeleteTask(task=ByNumbers((2, 5)))),
    ("mark #3 & #4 as done", SetCompleted(task=ByNumbers((3, 4)))),
    ("reopen 3 and 4", SetCompleted(task=ByNumbers((3, 4)), completed=False)),
    ("tasks 3 and 4 are done", SetCompleted(task=ByNumbers((3, 4)))),
    ("move 3 and 4 to friday", UpdateTask(task=ByNumbers((3, 4)), due_at=FRIDAY)),
    ("tag 3 and 4 with work", UpdateTask(task=ByNumbers((3, 4)), add_tags=("work",))),
    ("delete 3 and 3", DeleteTask(task=ByNumber(3))),
]

CLEAR_CASES: list[tuple[str, Intent]] = [
    ("remove the due date from task 3", UpdateTask(task=ByNumber(3), clear=("due_at",))),
    ("clear the due date of #3", UpdateTask(task=ByNumber(3), clear=("due_at",))),
    ("delete task 3's deadline", UpdateTask(task=ByNumber(3), clear=("due_at",))),
    ("remove its due date", UpdateTask(task=BackReference(), clear=("due_at",))),
    ("remove the due date", UpdateTask(task=BackReference(), clear=("due_at",))),
    (
        "set the due date of task 3 to none",
        UpdateTask(task=ByNumber(3), clear=("due_at",)),
    ),
    ("clear the description of task 2", UpdateTask(task=ByNumber(2), clear=("description",))),
    (
        "remove the description from buy milk",
        UpdateTask(task=ByTitle("buy milk"), clear=("description",)),
    ),
    (
        "change the description of task 2 to nothing",
        UpdateTask(task=ByNumber(2), clear=("description",)),
    ),
    ("clear the priority of task 2", UpdateTask(task=ByNumber(2), priority="none")),
    ("remove tag work from task 3", UpdateTask(task=ByNumber(3), remove_tags=("work",))),
    ("remove the work tag from task 3", UpdateTask(task=ByNumber(3), remove_tags=("work",))),
    (
        "remove tags work and home from task 3",
        UpdateTask(task=ByNumber(3), remove_tags=("work", "home")),
    ),
    ("remove all tags from task 3", UpdateTask(task=ByNumber(3), clear=("tags",))),
    ("clear task 3's tags", UpdateTask(task=ByNumber(3), clear=("tags",))),
    ("untag task 3 work", UpdateTask(task=ByNumber(3), remove_tags=("work",))),
    ("untag work from task 3", UpdateTask(task=ByNumber(3), remove_tags=("work",))),
    ("untag it", UpdateTask(task=BackReference(), clear=("tags",))),
    # No field of a task named: still deleting a task.
    ("remove the dentist task", DeleteTask(task=ByTitle("dentist"))),
    ("delete the date night task", DeleteTask(task=ByTitle("date night"))),
    ("remove date night from my list", DeleteTask(task=ByTitle("date night"))),
    ("delete the grocery tag task", DeleteTask(task=ByTitle("grocery tag"))),
]

RENAME_CASES: list[tuple[str, Intent]] = [
    (
        "rename go to gym to gym session",
        UpdateTask(
            task=ByTitle("go to gym"),
            title="gym session",
            other_splits=(("go", "gym to gym session"),),
        ),
    ),
    (
        "rename call mom to talk to mom",
        UpdateTask(
            task=ByTitle("call mom to talk"),
            title="mom",
            other_splits=(("call mom", "talk to mom"),),
        ),
    ),
    (
        "change the title of go to gym to gym session",
        UpdateTask(
            task=ByTitle("go to gym"),
            title="gym session",
            other_splits=(("go", "gym to gym session"),),
        ),
    ),
    ("rename task 2 to go to gym", UpdateTask(task=ByNumber(2), title="go to gym")),
    ("rename 'go to gym' to 'gym'", UpdateTask(task=ByTitle("go to gym"), title="gym")),
    (
        "add a note to buy milk: go to the shop",
        UpdateTask(task=ByTitle("buy milk"), description="go to the shop"),
    ),
]


OTHER_CASES: list[tuple[str, Intent]] = [
    ("todo: send invoice", AddTask(title="send invoice")),
    ("task: call bob tomorrow", AddTask(title="call bob", due_at=FRIDAY - dt.timedelta(days=1))),
    ("show my work tasks", ListTasks(tag="work")),
    ("list my pending home todos", ListTasks(status="pending", tag="home")),
    ("show my open tasks", ListTasks(status="pending")),
    ("how many tasks do I have", ListTasks()),
    ("I called mom", SetCompleted(task=ByTitle("called mom"))),
    ("I've just paid the rent", SetCompleted(task=ByTitle("paid the rent"))),
    ("we walked the dog today", SetCompleted(task=ByTitle("walked the dog"))),
    ("I started the report", SmallTalk("unknown")),
    ("I called", SmallTalk("unknown")),
]


def _cases(table: list[tuple[str, Intent]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("text", "expected"), table, ids=[text for text, _ in table])


@_cases(PLACE_CASES)
def test_the_first_one_and_the_last_one_are_places_in_the_list_shown(
    text: str, expected: Intent
) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(SEVERAL_CASES)
def test_several_numbers_name_several_tasks(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(CLEAR_CASES)
def test_removing_a_field_or_tag_is_an_update_not_a_deletion(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(RENAME_CASES)
def test_a_rename_by_title_splits_at_the_last_to_and_keeps_the_others(
    text: str, expected: Intent
) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(OTHER_CASES)
def test_todo_colon_my_work_tasks_and_a_chore_told_in_the_past(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


def test_the_readings_of_a_rename_go_from_the_last_split_to_the_first() -> None:
    update = parse_message("rename go to gym to gym session", TODAY)
    assert isinstance(update, UpdateTask)
    assert [(reading.task, reading.title) for reading in update.readings()] == [
        (ByTitle("go to gym"), "gym session"),
        (ByTitle("go"), "gym to gym session"),
    ]
