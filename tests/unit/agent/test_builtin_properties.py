"""Property: politeness, fillers, casing and punctuation around a command never
change what it does (hypothesis generates the wrappings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from service.agent.builtin.parse import parse_message

TODAY = dt.date(2026, 11, 25)

COMMANDS = (
    "add buy milk tomorrow",
    "add call the plumber on friday at 5pm",
    "remind me to pay rent next week",
    "show my tasks",
    "what's pending",
    "list completed tasks",
    "show high priority tasks",
    "tasks tagged work",
    "complete task 3",
    "mark task 3 as done",
    "complete buy milk",
    "reopen task 3",
    "delete task 2",
    "remove the dentist task",
    "rename task 1 to buy oat milk",
    "set task 2 priority to high",
    "move task 2 to next monday",
    "delete tasks 2, 5 and 7",
    "mark everything as done",
    "clear completed",
    "undo",
    "mark it done",
)
OPENINGS = (
    "please", "could you", "can you please", "would you", "actually", "ok so", "okay so",
    "hmm,", "alright,", "oh and", "by the way,", "hey,", "hi,", "hello!", "so", "um",
    "well,", "just", "quickly", "i think", "maybe", "oops,", "right,", "anyway,",
)  # fmt: skip
CLOSINGS = ("please", "thanks", "thank you", "pls", "for me", "if you can", "ok", "thx")
CASINGS: tuple[Callable[[str], str], ...] = (str.lower, str.upper, str.title, str.capitalize, str)
PUNCTUATION = ("", ".", "!", "?", "!!", "...", " !", "?!")


def plain(intent: Any) -> Any:
    """The intent as data, with text case-folded: casing never changes the meaning
    (a new title keeps the user's casing, which is content, not command)."""
    data = msgspec.to_builtins(intent)
    return _folded(data)


def _folded(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [_folded(item) for item in value]
    if isinstance(value, dict):
        return {key: _folded(item) for key, item in value.items()}
    return value


@st.composite
def wrapped(draw: st.DrawFn) -> tuple[str, str]:
    command = draw(st.sampled_from(COMMANDS))
    openings = draw(st.lists(st.sampled_from(OPENINGS), max_size=2))
    closing = draw(st.sampled_from(("", *CLOSINGS)))
    casing = draw(st.sampled_from(CASINGS))
    punctuation = draw(st.sampled_from(PUNCTUATION))
    spaces = draw(st.sampled_from(("", " ", "  ")))
    parts = [*openings, command, *([closing] if closing else [])]
    text = spaces + casing(" ".join(parts)) + punctuation + spaces
    return command, text


@settings(max_examples=400, derandomize=True, deadline=None)
@given(wrapped())
def test_courtesy_fillers_casing_and_punctuation_never_change_the_command(
    case: tuple[str, str],
) -> None:
    command, text = case
    assert plain(parse_message(text, TODAY)) == plain(parse_message(command, TODAY)), text
