"""Word helpers of the built-in agent's parser."""

from __future__ import annotations

from service.agent.builtin.words import split_at_phrase


def test_split_at_phrase_splits_around_the_longest_phrase_at_the_first_place_one_starts() -> None:
    words = ["the", "due", "date", "of", "task", "3", "to", "friday"]
    assert split_at_phrase(words, ("due", "due date", "date")) == (
        ["the"],
        "due date",
        ["of", "task", "3", "to", "friday"],
    )


def test_split_at_phrase_compares_words_by_key_and_returns_the_phrase_as_listed() -> None:
    assert split_at_phrase(["Remove", "its", "Tags!"], ("tags",)) == (["Remove", "its"], "tags", [])


def test_split_at_phrase_is_none_when_no_phrase_is_there() -> None:
    assert split_at_phrase(["buy", "milk"], ("due date",)) is None
    assert split_at_phrase([], ("due",)) is None


def test_no_phrase_the_parser_matches_is_longer_than_longest_phrase_at_reads() -> None:
    import importlib
    import pkgutil

    import service.agent.builtin as builtin
    from service.agent.builtin.words import _LONGEST_PHRASE

    longest = 0
    for info in pkgutil.iter_modules(builtin.__path__):
        module = importlib.import_module(f"service.agent.builtin.{info.name}")
        for value in vars(module).values():
            phrases = isinstance(value, tuple | set | frozenset | dict) and value
            if phrases and all(isinstance(item, str) for item in value):
                longest = max(longest, max(len(item.split()) for item in value))
    assert 4 <= longest <= _LONGEST_PHRASE
