"""Parsing what says a task is done or not: complete, reopen, "X is done", "I called mom"."""

from __future__ import annotations

import datetime as dt

from service.agent.builtin.fields import parse_task_ref
from service.agent.builtin.intents import BackReference, ByTitle, SetCompleted, UpdateTask
from service.agent.builtin.words import (
    Words,
    is_past_tense,
    join,
    key,
    keys,
    longest_phrase_at,
    strip_leading,
    strip_trailing,
)

_DONE = (
    "done", "complete", "completed", "finished", "checked", "checked off", "ticked off", "off",
    "is done", "is complete", "is completed", "is finished", "are done", "is now done",
)  # fmt: skip
_NOT_DONE = (
    "not done", "undone", "incomplete", "not completed", "not complete", "pending", "open",
    "unfinished", "not finished", "todo", "to do", "to-do", "uncompleted", "active",
    "is not done", "isn't done", "isnt done", "is not finished", "isn't finished",
    "is not complete", "isn't complete", "is undone", "not done yet", "is open again",
)  # fmt: skip
# "as done", "as not done": the same states introduced by "as".
_STATES = dict.fromkeys(_DONE, True) | dict.fromkeys(_NOT_DONE, False)
_STATES |= {
    f"{joiner} {phrase}": state
    for phrase, state in list(_STATES.items())
    for joiner in ("as", "to")  # "mark it as done", "set it to done"
}
_NOT_A_TASK = {"i'm", "i am", "im", "all", "we're", "we are", "i", "you"}
_SUBJECTS = ("i", "i've", "i have", "we", "we've", "we have", "i'm", "i am")
# "I <phrase> <chore>": told as done, the chore being the rest.
_DONE_WITH = (
    "took care of", "taken care of", "dealt with", "handled", "managed to", "got around to",
    "remembered to", "got done with", "went to", "been to", "got", "sorted", "sorted out",
    "wrapped up", "knocked out", "ticked off", "crossed off", "done with", "finished with",
    "through with", "all done with",
)  # fmt: skip
_WHEN_DONE = ("today", "yesterday", "this morning", "already", "just now", "earlier", "at last")
# A value meaning "no value": "set the due date of task 3 to none".
LIST_PLACES = (
    "from my list", "from the list", "from my tasks", "from my todo list", "from the todo list",
    "from my to-do list", "from my todos", "for good", "permanently", "again",
)  # fmt: skip


def parse_complete(rest: Words, today: dt.date) -> SetCompleted:
    """Complete: "complete buy milk", "i finished calling mom", "check off task 3"."""
    return SetCompleted(task=parse_task_ref(strip_trailing(rest, _DONE)), completed=True)


def parse_reopen(rest: Words, today: dt.date) -> SetCompleted:
    """Reopen: "reopen task 3", "undo #3", "uncheck it"."""
    return SetCompleted(task=parse_task_ref(strip_trailing(rest, LIST_PLACES)), completed=False)


_URGENT_STATES = ("is urgent", "is important", "is high priority", "is a high priority")


def _trailing_urgency(words: Words) -> UpdateTask | None:
    """ "call mom is urgent": that task's priority becomes high."""
    for phrase in _URGENT_STATES:
        length = len(phrase.split())
        if len(words) > length and " ".join(keys(words[-length:])) == phrase:
            task = parse_task_ref(words[:-length])
            return UpdateTask(task=task, priority="high") if task else None
    return None


def parse_trailing_state(words: Words) -> SetCompleted | UpdateTask | None:
    """A message ending in a state: "task 3 is done", "it's done", "buy milk: done"."""
    state, before = trailing_state(words)
    if state is None and (urgent := _trailing_urgency(words)):
        return urgent
    if state is None or not before or " ".join(keys(before)) in _NOT_A_TASK:
        return None
    if keys(before) in (["it's"], ["that's"], ["its"], ["thats"]):
        return SetCompleted(task=BackReference(), completed=state)
    before = strip_trailing(before, ("is", "are", "was", "now", "all"))
    return SetCompleted(task=parse_task_ref(before), completed=state)


def parse_past_tense(words: Words) -> SetCompleted | None:
    """A chore told as done: "I called mom", "I've just paid the rent" completes its task.

    Only with "I" or "we" and a verb in the past tense that reports a chore
    done; the lookup then tries the verb made plain ("call mom").
    """
    subject = longest_phrase_at(words, 0, _SUBJECTS)
    rest = words[len(subject.split()) :] if subject else words
    rest = strip_leading(rest, ("just", "already", "finally", "now", "also"))
    if done := longest_phrase_at(rest, 0, _DONE_WITH):
        # "I took care of the report", "went to the dentist": the rest is the chore.
        chore_words = strip_leading(rest[len(done.split()) :], ("the", "my", "our"))
        chore = join(strip_trailing(chore_words, _WHEN_DONE))
        return SetCompleted(task=ByTitle(chore)) if chore else None
    if len(rest) < 2 or not is_past_tense(key(rest[0])):
        return None
    # Not parse_task_ref: it would drop "called" as in "the task called X".
    chore = join(strip_trailing(rest, _WHEN_DONE))
    return SetCompleted(task=ByTitle(chore))


def trailing_state(words: Words) -> tuple[bool | None, Words]:
    """The state a message ends with ("... as done", "... is not done"), and the rest."""
    for length in range(min(len(words), 5), 0, -1):
        phrase = " ".join(keys(words[-length:]))
        if phrase in _STATES:
            return _STATES[phrase], words[:-length]
    return None, words
