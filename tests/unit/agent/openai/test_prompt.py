"""The system prompt and the replay of stored history as chat messages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

from service.agent.base import HistoryMessage, ToolCall
from service.agent.openai.prompt import history_messages, system_prompt

BERLIN_EVENING = dt.datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_system_prompt_names_the_users_local_date_time_and_zone() -> None:
    prompt = system_prompt(BERLIN_EVENING)
    assert "Sunday, 2026-11-22, 23:30 in the user's time zone, Europe/Berlin" in prompt
    assert "UTC offset +01:00" in prompt
    assert "2026-11-22T09:00:00+01:00" in prompt


def test_system_prompt_in_utc_says_so() -> None:
    prompt = system_prompt(dt.datetime(2026, 11, 22, 8, 0, tzinfo=ZoneInfo("UTC")))
    assert "08:00 in the user's time zone, UTC (UTC offset +00:00)" in prompt


def test_system_prompt_explains_every_tool() -> None:
    prompt = system_prompt(BERLIN_EVENING)
    for name in ("add_task", "list_tasks", "complete_task", "delete_task", "update_task"):
        assert name in prompt


def test_plain_history_becomes_user_and_assistant_messages() -> None:
    history = [
        HistoryMessage(role="user", content="hello"),
        HistoryMessage(role="assistant", content="Hi! What can I do?"),
        HistoryMessage(role="user", content="show my tasks"),
    ]
    assert history_messages(history) == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hi! What can I do?"},
        {"role": "user", "content": "show my tasks"},
    ]


def test_stored_tool_calls_are_replayed_as_calls_then_results_then_text() -> None:
    add = ToolCall(
        name="add_task",
        arguments={"title": "Buy milk", "tags": ["shop"]},
        result={"task_id": 12, "status": "created", "title": "Buy milk"},
    )
    missing = ToolCall(
        name="delete_task", arguments={"task_id": 99}, result={"error": "Task #99 was not found."}
    )
    history = [
        HistoryMessage(role="user", content="add buy milk and delete 99"),
        HistoryMessage(
            role="assistant", content="Added #12, #99 not found.", tool_calls=[add, missing]
        ),
        HistoryMessage(role="user", content="thanks"),
    ]

    messages = history_messages(history)

    assert messages[0] == {"role": "user", "content": "add buy milk and delete 99"}
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call00100",
                "type": "function",
                "function": {
                    "name": "add_task",
                    "arguments": '{"title":"Buy milk","tags":["shop"]}',
                },
            },
            {
                "id": "call00101",
                "type": "function",
                "function": {"name": "delete_task", "arguments": '{"task_id":99}'},
            },
        ],
    }
    assert messages[2]["role"] == "tool"
    assert messages[2]["tool_call_id"] == "call00100"
    assert msgspec.json.decode(messages[2]["content"]) == add.result
    assert messages[3]["tool_call_id"] == "call00101"
    assert msgspec.json.decode(messages[3]["content"]) == {"error": "Task #99 was not found."}
    assert messages[4] == {"role": "assistant", "content": "Added #12, #99 not found."}
    assert messages[5] == {"role": "user", "content": "thanks"}


def test_replayed_ids_are_stable_and_unique_across_messages() -> None:
    call = ToolCall(name="list_tasks", arguments={}, result={"tasks": [], "count": 0})
    history = [
        HistoryMessage(role="user", content="a"),
        HistoryMessage(role="assistant", content="none", tool_calls=[call]),
        HistoryMessage(role="user", content="b"),
        HistoryMessage(role="assistant", content="still none", tool_calls=[call, call]),
    ]
    first = history_messages(history)
    assert first == history_messages(history)
    ids = [c["id"] for m in first for c in m.get("tool_calls", [])]
    assert ids == ["call00100", "call00300", "call00301"]
    answered = [m["tool_call_id"] for m in first if m["role"] == "tool"]
    assert answered == ids


def test_replayed_results_leave_out_the_owner_of_listed_tasks() -> None:
    listing = ToolCall(
        name="list_tasks",
        arguments={},
        result={"tasks": [{"id": 1, "title": "a", "user_id": "user-123"}], "count": 1},
    )
    history = [HistoryMessage(role="assistant", content="1 task", tool_calls=[listing])]

    [_, result, _] = history_messages(history)

    assert msgspec.json.decode(result["content"]) == {
        "tasks": [{"id": 1, "title": "a"}],
        "count": 1,
    }
    assert "user-123" not in result["content"]


def test_replayed_ids_are_nine_letters_and_digits() -> None:
    # Mistral's API refuses any other tool call id.
    call = ToolCall(name="list_tasks", arguments={}, result={"tasks": [], "count": 0})
    history = [HistoryMessage(role="assistant", content="ok", tool_calls=[call] * 3)] * 20
    ids = [c["id"] for m in history_messages(history) for c in m.get("tool_calls", [])]
    assert all(len(i) == 9 and i.isalnum() for i in ids)
    assert len(set(ids)) == len(ids)
