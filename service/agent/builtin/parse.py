"""Text -> intent: normalise, find the leading verb, let its command parse the rest.

The steps:
1. normalise and split into words, quoted titles kept whole (`words.tokenize`);
2. drop greetings and politeness at either end ("hi, could you ... please");
3. look the opening words up in `COMMANDS`; the longest matching phrase wins, so
   "get rid of" beats "get" and "make a task" beats "make";
4. failing that, a message ending in a state ("task 3 is done"), a chore told
   in the past tense ("I called mom"), or a bare task number or place (the
   answer to "which one?");
5. anything else is small talk, answered with what the agent can do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from service.agent.builtin.commands_add import parse_add
from service.agent.builtin.commands_change import (
    is_title_reference,
    parse_add_tag,
    parse_delete,
    parse_modify,
    parse_move,
    parse_note,
    parse_prioritize,
    parse_rename,
    parse_tag,
)
from service.agent.builtin.commands_clear import parse_removal, parse_untag
from service.agent.builtin.commands_list import parse_list, parse_question, parse_search
from service.agent.builtin.commands_state import (
    parse_complete,
    parse_past_tense,
    parse_reopen,
    parse_trailing_state,
)
from service.agent.builtin.courtesy import (
    ACKNOWLEDGEMENTS,
    GREETINGS,
    HELP_REQUESTS,
    POLITENESS,
    TRAILING_POLITENESS,
    UNDO_REQUESTS,
)
from service.agent.builtin.fields import (
    TASK_NOUNS,
    position_at,
    task_number_at,
    task_numbers_at,
)
from service.agent.builtin.intents import (
    AddTask,
    AllTasks,
    ByNumber,
    ByPosition,
    ChooseTask,
    DeleteTask,
    Intent,
    ListTasks,
    SmallTalk,
    SmallTalkKind,
    Undo,
)
from service.agent.builtin.typos import MIN_COMMAND_LETTERS, closest_word
from service.agent.builtin.words import (
    Words,
    key,
    keys,
    longest_phrase_at,
    normalise,
    strip_trailing,
    tokenize,
)

Handler = Callable[[Words, dt.date], Intent | None]


class Command(NamedTuple):
    """Opening phrases and the function parsing the words after them.

    `keep_phrase`: the phrase is also part of what to parse ("pending tasks").
    """

    phrases: tuple[str, ...]
    parse: Handler
    keep_phrase: bool = False


def _parse_wish(rest: Words, today: dt.date) -> Intent:
    """After "I need to": a command ("I need to see my tasks") or else a new task.

    A chore about an existing task named by title ("I need to finish the report")
    is still a new task: only a number or "it" makes it a command.
    """
    inner = _parse_command(rest, today)
    if isinstance(inner, AddTask | ListTasks):
        return inner
    if inner is not None and not is_title_reference(getattr(inner, "task", None)):
        return inner
    return parse_add(rest, today)


def _parse_clear_completed(rest: Words, today: dt.date) -> Intent:
    """ "clear completed (tasks)": delete every completed task, after a confirmation."""
    return DeleteTask(task=AllTasks("completed"))


def _parse_listing(words: Words, today: dt.date) -> Intent | None:
    """ "pending tasks", "tasks tagged work"; but "tasks 3 and 4 are done" is about those."""
    if task_numbers_at(words):
        return parse_trailing_state(words)
    return parse_list(words, today)


COMMANDS: tuple[Command, ...] = (
    Command(
        ("add", "create", "new", "make a task", "make a new task", "make a todo", "put", "note",
         "note down", "jot down", "schedule", "remind me", "remind me to", "remind me about",
         "set a reminder to", "set a reminder for", "set reminder to", "add a new task"),
        parse_add,
    ),
    Command(
        ("i need to", "i have to", "i've got to", "i got to", "i gotta", "i must", "i should",
         "need to", "have to", "don't forget to", "dont forget to", "remember to",
         "i want to", "i'd like to", "i would like to", "we need to", "gotta"),
        _parse_wish,
    ),
    Command(
        ("show", "show me", "list", "display", "view", "see", "give me", "get", "get me",
         "what's on", "check my"),
        parse_list,
    ),
    Command(
        ("tasks", "my tasks", "all tasks", "all my tasks", "todos", "my todos", "my to-dos",
         "pending", "overdue", "pending tasks", "completed tasks", "finished tasks",
         "done tasks", "open tasks", "overdue tasks", "high priority tasks", "urgent tasks",
         "everything"),
        _parse_listing,
        keep_phrase=True,
    ),
    Command(
        ("what", "what's", "whats", "what is", "what are", "what're", "which", "do i have",
         "have i got", "is there", "are there", "any", "anything", "how many", "what else"),
        parse_question,
    ),
    Command(("search", "search for", "find", "look for", "look up", "find me"), parse_search),
    Command(
        ("mark", "set", "make", "flag", "change", "update", "edit", "modify"), parse_modify
    ),
    Command(("rename", "retitle"), parse_rename),
    Command(
        ("move", "reschedule", "postpone", "push", "push back", "delay", "defer",
         "bring forward"),
        parse_move,
    ),
    Command(("tag", "label"), parse_tag),
    Command(("untag", "unlabel", "un-tag"), parse_untag),
    Command(
        ("clear completed", "clear the completed", "clear all completed", "clear done",
         "clear finished", "clear all done", "purge completed", "clean up completed",
         "clear out completed", "remove completed", "delete completed"),
        _parse_clear_completed,
    ),
    Command(("clear", "unset", "reset", "wipe"), parse_removal),
    Command(("add tag", "add tags", "add the tag", "add a tag", "add label"), parse_add_tag),
    Command(
        ("add a note to", "add note to", "add a description to", "add description to",
         "add details to", "describe", "add a note for"),
        parse_note,
    ),
    Command(("prioritize", "prioritise"), parse_prioritize),
    Command(
        ("reopen", "re-open", "undo", "uncheck", "unmark", "uncomplete", "un-complete",
         "restore", "unfinish"),
        parse_reopen,
    ),
    Command(
        ("complete", "finish", "check off", "tick off", "cross off", "done", "done with",
         "i'm done with", "i am done with", "i finished", "i've finished", "i have finished",
         "i completed", "i've completed", "i have completed", "i did", "i've done",
         "i have done", "finished", "completed", "i just finished", "just did"),
        parse_complete,
    ),
    Command(
        ("delete", "remove", "erase", "drop", "cancel", "trash", "get rid of", "scrap",
         "discard", "forget", "forget about", "bin", "nuke"),
        parse_delete,
    ),
)  # fmt: skip

# The one-word commands long enough for typo correction (see `typos`).
_COMMAND_WORDS = frozenset(
    phrase
    for command in COMMANDS
    for phrase in command.phrases
    if phrase.isalpha() and len(phrase) >= MIN_COMMAND_LETTERS
)


def parse_message(text: str, today: dt.date) -> Intent:
    """What the user asked for, with every date resolved against `today`."""
    courtesy, words = _strip_courtesy(tokenize(normalise(text)))
    if not words:
        return SmallTalk(courtesy or "unknown")
    if " ".join(keys(words)) in HELP_REQUESTS or keys(words)[0] == "help":
        return SmallTalk("help")
    if " ".join(keys(words)) in UNDO_REQUESTS:
        return Undo()
    if words[0].endswith(":") and key(words[0]) in TASK_NOUNS:  # "todo: send invoice"
        return parse_add(words[1:], today)
    return (
        _parse_words(words, today)
        or _parse_with_corrected_command(words, today)
        or SmallTalk("unknown")
    )


def _parse_words(words: Words, today: dt.date) -> Intent | None:
    return (
        _parse_command(words, today)
        or parse_trailing_state(words)
        or parse_past_tense(words)
        or _parse_bare_reference(words)
    )


def _parse_with_corrected_command(words: Words, today: dt.date) -> Intent | None:
    """ "compelte water the garden": the first word, a command with a typo, corrected."""
    corrected = closest_word(key(words[0]), _COMMAND_WORDS)
    return _parse_words([corrected, *words[1:]], today) if corrected else None


def _parse_command(words: Words, today: dt.date) -> Intent | None:
    best: tuple[int, Command] | None = None
    for command in COMMANDS:
        phrase = longest_phrase_at(words, 0, command.phrases)
        if phrase and (best is None or len(phrase.split()) > best[0]):
            best = (len(phrase.split()), command)
    if best is None:
        return None
    length, command = best
    return command.parse(words if command.keep_phrase else words[length:], today)


def _strip_courtesy(words: Words) -> tuple[SmallTalkKind | None, Words]:
    """Drop greetings, thanks and politeness; say which if nothing else is left."""
    kind: SmallTalkKind | None = None
    while words:
        if key(words[0]) in _COMMAND_AHEAD and _command_at(words):
            break  # "ok so delete ...", but "i'm done with the report" is a command
        if phrase := longest_phrase_at(words, 0, GREETINGS):
            kind = kind or "greeting"
        elif phrase := longest_phrase_at(words, 0, ACKNOWLEDGEMENTS):
            kind = "thanks"
        elif not (phrase := longest_phrase_at(words, 0, POLITENESS)):
            break
        words = words[len(phrase.split()) :]
    rest = strip_trailing(words, TRAILING_POLITENESS)
    if not rest and words and kind is None:
        kind = "thanks"
    return kind, rest


# First words of acknowledgements that also open a command ("i'm done with X").
_COMMAND_AHEAD = frozenset({"i'm", "i", "all", "done", "ok", "okay"})


def _command_at(words: Words) -> bool:
    """Whether a command phrase longer than any courtesy opens `words`."""
    command = max(
        (len(p.split()) for c in COMMANDS if (p := longest_phrase_at(words, 0, c.phrases))),
        default=0,
    )
    courtesy = max(
        (
            len(p.split())
            for phrases in (GREETINGS, ACKNOWLEDGEMENTS, POLITENESS)
            if (p := longest_phrase_at(words, 0, phrases))
        ),
        default=0,
    )
    return command > courtesy


def _parse_bare_reference(words: Words) -> ChooseTask | None:
    """Just "#3", "task 3" or "the first one": which task the user means, for the previous
    request."""
    skip = 1 if keys(words[:1]) == ["the"] else 0
    number = task_number_at(words, skip)
    if number and skip + number[1] == len(words):
        return ChooseTask(ByNumber(number[0]))
    place = position_at(words, alone=True)
    if place and place[1] == len(words):
        return ChooseTask(ByPosition(place[0]))
    return None
