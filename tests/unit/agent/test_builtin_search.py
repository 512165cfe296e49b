"""How the built-in agent turns a task named by title into list_tasks searches."""

from __future__ import annotations

from service.agent.builtin.lookup import search_variants


def test_search_variants_try_the_words_then_a_plain_verb() -> None:
    assert search_variants("calling mom") == ["calling mom", "call mom", "cal mom", "calle mom"]
    assert search_variants("taking out the bins")[-1] == "take out the bins"
    assert search_variants("buy milk") == ["buy milk"]
