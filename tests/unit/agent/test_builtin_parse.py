"""The built-in agent's parser: phrase + fixed today -> exact intent.

Each table is one category of SPEC 6 with its everyday variants (politeness,
casing, punctuation, "task"/"todo"/"item", `3`/`#3`/`task 3`, quotes). Today is
Wednesday 25 November 2026 throughout.
"""

from __future__ import annotations

import datetime as dt

import pytest

from service.agent.builtin.intents import (
    AddTask,
    BackReference,
    ByNumber,
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

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def due(
    day: int, hour: int = 9, minute: int = 0, *, month: int = 11, year: int = 2026
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def end_of(day: int, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 23, 59, 59, tzinfo=dt.UTC)


def start_of(day: int, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 0, 0, tzinfo=dt.UTC)


ADD_CASES: list[tuple[str, Intent]] = [
    ("add buy milk", AddTask(title="buy milk")),
    ("Add Buy Milk.", AddTask(title="Buy Milk")),
    ("add a task to call mom tomorrow", AddTask(title="call mom", due_at=due(26))),
    ("remind me to pay rent on friday", AddTask(title="pay rent", due_at=due(27))),
    ("create task report with high priority", AddTask(title="report", priority="high")),
    ("I need to renew my passport", AddTask(title="renew my passport")),
    ("add 'buy milk' #groceries", AddTask(title="buy milk", tags=("groceries",))),
    ('add "Buy milk" tagged groceries', AddTask(title="Buy milk", tags=("groceries",))),
    ("add call bob, tag it work", AddTask(title="call bob", tags=("work",))),
    ("add water plants #home #Garden", AddTask(title="water plants", tags=("home", "garden"))),
    ("please add buy milk", AddTask(title="buy milk")),
    ("Could you add buy milk please?", AddTask(title="buy milk")),
    ("can you please add a todo to buy milk!", AddTask(title="buy milk")),
    ("hi, add an item: call the plumber", AddTask(title="call the plumber")),
    ("new task: book flights", AddTask(title="book flights")),
    ("add a new to-do called 'file taxes'", AddTask(title="file taxes")),
    ("add buy milk to my list", AddTask(title="buy milk")),
    ("put eggs on the list", AddTask(title="eggs")),
    ("add urgent: call the bank", AddTask(title="call the bank", priority="high")),
    ("add call the bank, it's urgent", AddTask(title="call the bank", priority="high")),
    ("add reply to urgent email", AddTask(title="reply to urgent email")),
    ("add tidy garage low priority", AddTask(title="tidy garage", priority="low")),
    ("add tidy garage (medium priority)", AddTask(title="tidy garage", priority="medium")),
    ("add tidy garage, priority: high", AddTask(title="tidy garage", priority="high")),
    ("add call mom tonight", AddTask(title="call mom", due_at=due(25, 20))),
    ("add dentist on fri at 5pm", AddTask(title="dentist", due_at=due(27, 17))),
    ("add standup tomorrow at 9:30am", AddTask(title="standup", due_at=due(26, 9, 30))),
    ("add review at 17:30 on friday", AddTask(title="review", due_at=due(27, 17, 30))),
    ("add gym in 3 days", AddTask(title="gym", due_at=due(28))),
    ("add gym in a week", AddTask(title="gym", due_at=due(2, month=12))),
    ("add yoga next monday evening", AddTask(title="yoga", due_at=due(30, 18))),
    ("add pay rent by dec 1", AddTask(title="pay rent", due_at=due(1, month=12))),
    ("add party on 2026-12-31", AddTask(title="party", due_at=due(31, month=12))),
    ("add buy sun cream", AddTask(title="buy sun cream")),
    ("don't forget to water the plants", AddTask(title="water the plants")),
    ("schedule dentist for friday at 2 pm", AddTask(title="dentist", due_at=due(27, 14))),
    (
        "I have to finish the report by friday",
        AddTask(title="finish the report", due_at=due(27)),
    ),
    ("add a task", AddTask(title="")),
]

LIST_CASES: list[tuple[str, Intent]] = [
    ("show my tasks", ListTasks()),
    ("Show me my todos.", ListTasks()),
    ("list all tasks", ListTasks(status="all")),
    ("what's pending?", ListTasks(status="pending")),
    ("What is left to do", ListTasks(status="pending")),
    ("list completed tasks", ListTasks(status="completed")),
    ("what have I finished?", ListTasks(status="completed")),
    ("can you show me what's not done?", ListTasks(status="pending")),
    ("show high priority tasks", ListTasks(priority="high")),
    ("list urgent tasks", ListTasks(priority="high")),
    ("tasks tagged work", ListTasks(tag="work")),
    ("show pending tasks tagged Work", ListTasks(status="pending", tag="work")),
    ("show #home tasks", ListTasks(tag="home")),
    ("what do I have to do today?", ListTasks(status="pending", due_before=end_of(25))),
    ("what's on my plate today", ListTasks(status="pending", due_before=end_of(25))),
    ("what's due this week", ListTasks(status="pending", due_before=end_of(29))),
    (
        "anything due tomorrow?",
        ListTasks(status="pending", due_after=start_of(26), due_before=end_of(26)),
    ),
    (
        "show tasks due on friday",
        ListTasks(status="pending", due_after=start_of(27), due_before=end_of(27)),
    ),
    (
        "what's due next week",
        ListTasks(status="pending", due_after=start_of(30), due_before=end_of(6, month=12)),
    ),
    ("any overdue tasks?", ListTasks(status="pending", due_before=start_of(25), overdue=True)),
    ("search for milk", ListTasks(query="milk")),
    ("find the milk task", ListTasks(query="milk")),
    ('search "oat milk"', ListTasks(query="oat milk")),
    ("show tasks about the dentist", ListTasks(query="the dentist")),
    ("I need to see my tasks", ListTasks()),
    ("how many tasks do I have", ListTasks()),
]

COMPLETE_CASES: list[tuple[str, Intent]] = [
    ("mark task 3 as done", SetCompleted(task=ByNumber(3))),
    ("Mark #3 done.", SetCompleted(task=ByNumber(3))),
    ("mark 3 as complete", SetCompleted(task=ByNumber(3))),
    ("please mark task number 3 as completed", SetCompleted(task=ByNumber(3))),
    ("complete buy milk", SetCompleted(task=ByTitle("buy milk"))),
    ("complete todo 2", SetCompleted(task=ByNumber(2))),
    ("I finished calling mom", SetCompleted(task=ByTitle("calling mom"))),
    ("I've finished the laundry", SetCompleted(task=ByTitle("laundry"))),
    ("just finished the report", SetCompleted(task=ByTitle("report"))),
    ("check off task 5", SetCompleted(task=ByNumber(5))),
    ("tick off 'Buy milk'", SetCompleted(task=ByTitle("Buy milk"))),
    ("done with item 4", SetCompleted(task=ByNumber(4))),
    ("task 3 is done", SetCompleted(task=ByNumber(3))),
    ("buy milk is done", SetCompleted(task=ByTitle("buy milk"))),
    ("reopen task 3", SetCompleted(task=ByNumber(3), completed=False)),
    ("re-open #3", SetCompleted(task=ByNumber(3), completed=False)),
    ("mark task 3 as not done", SetCompleted(task=ByNumber(3), completed=False)),
    ("mark task 3 incomplete", SetCompleted(task=ByNumber(3), completed=False)),
    ("undo task 3", SetCompleted(task=ByNumber(3), completed=False)),
    ("uncheck buy milk", SetCompleted(task=ByTitle("buy milk"), completed=False)),
    ("task 3 isn't done", SetCompleted(task=ByNumber(3), completed=False)),
    ("complete", SetCompleted(task=None)),
]

DELETE_CASES: list[tuple[str, Intent]] = [
    ("delete task 2", DeleteTask(task=ByNumber(2))),
    ("Delete #2!", DeleteTask(task=ByNumber(2))),
    ("remove the dentist task", DeleteTask(task=ByTitle("dentist"))),
    ("get rid of #4", DeleteTask(task=ByNumber(4))),
    ("could you remove task #12 please", DeleteTask(task=ByNumber(12))),
    ("trash item 9", DeleteTask(task=ByNumber(9))),
    ("cancel the meeting", DeleteTask(task=ByTitle("meeting"))),
    ("delete the buy milk todo from my list", DeleteTask(task=ByTitle("buy milk"))),
    ("delete 'Buy milk'", DeleteTask(task=ByTitle("Buy milk"))),
    ("delete", DeleteTask(task=None)),
]

UPDATE_CASES: list[tuple[str, Intent]] = [
    ("rename task 1 to buy oat milk", UpdateTask(task=ByNumber(1), title="buy oat milk")),
    ("rename #1: Buy oat milk", UpdateTask(task=ByNumber(1), title="Buy oat milk")),
    ("rename buy milk to buy oat milk", UpdateTask(task=ByTitle("buy milk"), title="buy oat milk")),
    ("rename 'milk' as 'oat milk'", UpdateTask(task=ByTitle("milk"), title="oat milk")),
    (
        'change the title of task 2 to "Plan trip"',
        UpdateTask(task=ByNumber(2), title="Plan trip"),
    ),
    (
        "change the description of task 4 to call before noon",
        UpdateTask(task=ByNumber(4), description="call before noon"),
    ),
    (
        "update task 5 description to bring the forms",
        UpdateTask(task=ByNumber(5), description="bring the forms"),
    ),
    (
        "add a note to task 3: bring the forms",
        UpdateTask(task=ByNumber(3), description="bring the forms"),
    ),
    ("set task 2 priority to high", UpdateTask(task=ByNumber(2), priority="high")),
    ("set the priority of task 2 to low", UpdateTask(task=ByNumber(2), priority="low")),
    ("make task 2 high priority", UpdateTask(task=ByNumber(2), priority="high")),
    ("mark task 4 as urgent", UpdateTask(task=ByNumber(4), priority="high")),
    ("prioritize task 6", UpdateTask(task=ByNumber(6), priority="high")),
    ("move task 2 to next monday", UpdateTask(task=ByNumber(2), due_at=due(30))),
    ("move the dentist to friday at 4pm", UpdateTask(task=ByTitle("dentist"), due_at=due(27, 16))),
    ("postpone #4 until tomorrow", UpdateTask(task=ByNumber(4), due_at=due(26))),
    ("reschedule task 3 for dec 3", UpdateTask(task=ByNumber(3), due_at=due(3, month=12))),
    (
        "change task 4's due date to friday",
        UpdateTask(task=ByNumber(4), due_at=due(27)),
    ),
    ("tag task 3 with work", UpdateTask(task=ByNumber(3), add_tags=("work",))),
    ("tag task 3 as work and home", UpdateTask(task=ByNumber(3), add_tags=("work", "home"))),
    ("add tag errands to task 7", UpdateTask(task=ByNumber(7), add_tags=("errands",))),
    ("label the report with work", UpdateTask(task=ByTitle("report"), add_tags=("work",))),
]

BACK_REFERENCE_CASES: list[tuple[str, Intent]] = [
    ("mark it done", SetCompleted(task=BackReference())),
    ("mark it as not done", SetCompleted(task=BackReference(), completed=False)),
    ("complete it", SetCompleted(task=BackReference())),
    # "the last one": the last task listed just before, else the task named last
    ("complete the last one", SetCompleted(task=ByPosition(-1))),
    ("it's done", SetCompleted(task=BackReference())),
    ("delete that one", DeleteTask(task=BackReference())),
    ("delete it please", DeleteTask(task=BackReference())),
    ("erase the last task", DeleteTask(task=ByPosition(-1))),
    ("reopen it", SetCompleted(task=BackReference(), completed=False)),
    ("move it to tomorrow", UpdateTask(task=BackReference(), due_at=due(26))),
    ("rename it to 'call dad'", UpdateTask(task=BackReference(), title="call dad")),
    ("make it low priority", UpdateTask(task=BackReference(), priority="low")),
    ("tag it as home", UpdateTask(task=BackReference(), add_tags=("home",))),
]

ANSWER_CASES: list[tuple[str, Intent]] = [
    ("#3", ChooseTask(ByNumber(3))),
    ("task 3", ChooseTask(ByNumber(3))),
    ("3", ChooseTask(ByNumber(3))),
    ("the number 5 please", ChooseTask(ByNumber(5))),
]

SMALL_TALK_CASES: list[tuple[str, Intent]] = [
    ("hi", SmallTalk("greeting")),
    ("Hello there!", SmallTalk("greeting")),
    ("good morning", SmallTalk("greeting")),
    ("help", SmallTalk("help")),
    ("what can you do?", SmallTalk("help")),
    ("thanks!", SmallTalk("thanks")),
    ("thank you", SmallTalk("thanks")),
    ("ok", SmallTalk("thanks")),
    ("what's the weather like", SmallTalk("unknown")),
    ("buy milk", SmallTalk("unknown")),
    ("", SmallTalk("unknown")),
]


def _cases(table: list[tuple[str, Intent]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("text", "expected"), table, ids=[text for text, _ in table])


@_cases(ADD_CASES)
def test_add_phrases_give_the_title_without_date_priority_and_tags(
    text: str, expected: Intent
) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(LIST_CASES)
def test_list_phrases_give_the_filters_asked_for(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(COMPLETE_CASES)
def test_complete_and_reopen_phrases_name_the_task_and_state(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(DELETE_CASES)
def test_delete_phrases_name_the_task(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(UPDATE_CASES)
def test_update_phrases_name_the_task_and_the_new_value(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(BACK_REFERENCE_CASES)
def test_it_and_that_one_are_back_references(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(ANSWER_CASES)
def test_a_bare_task_number_is_an_answer_to_which_one(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


@_cases(SMALL_TALK_CASES)
def test_greetings_help_thanks_and_the_rest_are_small_talk(text: str, expected: Intent) -> None:
    assert parse_message(text, TODAY) == expected


def test_the_table_covers_at_least_eighty_phrasings() -> None:
    tables = [ADD_CASES, LIST_CASES, COMPLETE_CASES, DELETE_CASES, UPDATE_CASES]
    tables += [BACK_REFERENCE_CASES, ANSWER_CASES, SMALL_TALK_CASES]
    assert sum(len(table) for table in tables) >= 80


def test_the_same_phrase_on_another_day_resolves_to_another_date() -> None:
    assert parse_message("add call mom tomorrow", dt.date(2027, 1, 31)) == AddTask(
        title="call mom", due_at=dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC)
    )


def test_a_quoted_title_keeps_date_words_inside_it() -> None:
    assert parse_message("add 'plan tomorrow' on friday", TODAY) == AddTask(
        title="plan tomorrow", due_at=due(27)
    )
