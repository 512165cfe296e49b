"""The history an agent is given: bounded in characters, whole messages, a user first."""

from __future__ import annotations

import json

from service.agent.base import HistoryMessage, RecordedCall, StoredCalls, ToolCall
from service.chat.history import bounded


def user(text: str) -> HistoryMessage:
    return HistoryMessage(role="user", content=text)


def assistant(text: str, *results: dict[str, object]) -> HistoryMessage:
    calls = [ToolCall(name="list_tasks", arguments={}, result=r) for r in results]
    return HistoryMessage(role="assistant", content=text, tool_calls=calls)


def test_everything_that_fits_is_kept_in_order() -> None:
    history = [user("a"), assistant("b"), user("c")]
    assert bounded(history, 1000) == history


def test_the_oldest_messages_go_first_and_a_call_stays_with_its_result() -> None:
    big = {"tasks": ["x" * 500], "count": 1}
    history = [user("show"), assistant("listed", big), user("again"), assistant("ok"), user("now")]
    kept = bounded(history, 100)
    assert [m.content for m in kept] == ["again", "ok", "now"]
    kept = bounded(history, 2000)
    assert kept[1].tool_calls[0].result == big  # whole, or not at all


def test_the_cut_never_starts_with_an_assistant_message() -> None:
    history = [user("x" * 50), assistant("y" * 10), user("z")]
    assert [m.role for m in bounded(history, 20)] == ["user"]


def test_the_message_being_answered_is_kept_even_when_it_alone_is_too_long() -> None:
    assert bounded([user("a"), user("b" * 100)], 10) == [user("b" * 100)]


def stored(text: str, *results: dict[str, object]) -> HistoryMessage:
    """An assistant message as the database gives it: its calls as JSON text."""
    calls = [{"name": "list_tasks", "arguments": {}, "result": r} for r in results]
    return HistoryMessage(role="assistant", content=text, tool_calls=StoredCalls(json.dumps(calls)))


def test_stored_calls_count_their_stored_json_and_are_read_whole() -> None:
    big = {"tasks": ["x" * 500], "count": 1}
    history = [user("show"), stored("listed", big), user("again"), stored("ok"), user("now")]
    assert [m.content for m in bounded(history, 100)] == ["again", "ok", "now"]
    kept = bounded(history, 2000)
    assert kept[1].tool_calls[0].result == big
    assert [call.name for call in kept[1].tool_calls] == ["list_tasks"]
    assert len(kept[3].tool_calls) == 0


def test_stored_calls_keep_what_reverts_them_for_undo() -> None:
    calls = [{"name": "delete_task", "arguments": {"task_id": 3}, "result": {"task_id": 3},
              "undo": {"previous": {"id": 3, "title": "Milk"}}}]  # fmt: skip
    (call,) = StoredCalls(json.dumps(calls))
    assert isinstance(call, RecordedCall)
    assert call.undo == {"previous": {"id": 3, "title": "Milk"}}
