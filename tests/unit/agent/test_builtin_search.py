"""How the built-in agent turns a task named by title into list_tasks searches."""

from __future__ import annotations

from service.agent.builtin.lookup import search_variants


def test_search_variants_try_the_words_then_a_plain_verb() -> None:
    assert search_variants("calling mom") == ["calling mom", "call mom", "cal mom", "calle mom"]
    assert search_variants("taking out the bins")[-1] == "take out the bins"
    assert search_variants("buy milk") == ["buy milk"]


def test_search_variants_make_a_past_tense_plain() -> None:
    assert search_variants("called mom")[:2] == ["called mom", "call mom"]
    assert search_variants("paid the rent") == ["paid the rent", "pay the rent"]
    assert "stop the leak" in search_variants("stopped the leak")
    assert search_variants("emptied the bin")[1] == "empty the bin"
    assert "bake bread" in search_variants("baked bread")
