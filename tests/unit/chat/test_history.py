"""The history an agent is given: bounded in characters, whole messages, a user first."""

from __future__ import annotations

from service.agent.base import HistoryMessage, ToolCall
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
