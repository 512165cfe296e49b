"""Pieces of a command other than its verb: task references, priorities, tags.

Each `extract_*` function returns what it found and the words left once the
phrase (with the little words that introduce it, like "with" or "as") is cut out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.agent.builtin.intents import (
    AllTasks,
    BackReference,
    ByNumber,
    ByNumbers,
    ByPosition,
    ByTitle,
    ListStatus,
    PluralReference,
    Priority,
    TaskRef,
)
from service.agent.builtin.words import (
    Words,
    is_quoted,
    join,
    key,
    keys,
    longest_phrase_at,
    strip_leading,
    strip_trailing,
    unquote,
)

TASK_NOUNS = ("task", "tasks", "todo", "todos", "to-do", "to-dos", "item", "items", "reminder")

_TASK_NUMBER = re.compile(r"#?(\d{1,9})")
_ORDINAL_NUMBER = re.compile(r"([1-9]\d?)(?:st|nd|rd|th)")
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_ORDINALS = {word: place for place, word in enumerate(_ORDINAL_WORDS, 1)} | {"last": -1}
_NUMBER_JOINERS = ("and", "&")
_HASHTAG = re.compile(r"#([a-z][\w-]{0,31})")
_NUMBER_INTROS = (*TASK_NOUNS, "number", "no", "task number", "todo number", "item number")

BACK_REFERENCES = {
    "it", "its", "that", "this", "that one", "this one", "the task",
    "that task", "this task", "previous one", "the previous one",
    "the same one", "same one", "the latest one", "latest one", "the one i just added",
    "the one you just added", "that item", "that todo",
}  # fmt: skip
# Several tasks at once: only the tasks the last reply listed or changed.
PLURAL_REFERENCES = {
    "them", "those", "these", "all of them", "both", "both of them", "all those",
    "all these", "those tasks", "these tasks", "those ones", "these ones", "all of those",
    "all of these", "the ones", "those two", "these two", "them all", "all",
}  # fmt: skip

PRIORITY_LEVELS: dict[str, Priority] = {
    "high": "high", "highest": "high", "top": "high", "critical": "high",
    "medium": "medium", "normal": "medium", "mid": "medium", "moderate": "medium",
    "low": "low", "lowest": "low", "no": "none", "none": "none",
}  # fmt: skip
_URGENT_WORDS = ("urgent", "urgently", "asap", "important", "not urgent", "not important")
_PRIORITY_NOUNS = ("priority", "prio", "-priority")
_PRIORITY_JOINERS = ("with", "a", "as", "at", "of", "and", "is")
_TAG_INTROS = (
    "tagged", "tagged with", "tagged as", "tag it", "tag it with", "tag it as", "and tag it",
    "with tag", "with the tag", "with tags", "with the tags", "labelled", "labeled",
    "with label", "with the label", "label it", "label it as",
)  # fmt: skip


def task_number_at(words: Sequence[str], index: int = 0) -> tuple[int, int] | None:
    """A task number at `index` ("3", "#3", "task 3", "task #3", "number 3"): (number, length)."""
    k = [*keys(words[index : index + 3]), "", ""]
    if number := _TASK_NUMBER.fullmatch(k[0]):
        return int(number[1]), 1
    if k[0] in _NUMBER_INTROS and (number := _TASK_NUMBER.fullmatch(k[1])):
        return int(number[1]), 2
    if f"{k[0]} {k[1]}" in _NUMBER_INTROS and (number := _TASK_NUMBER.fullmatch(k[2])):
        return int(number[1]), 3
    return None


def task_numbers_at(words: Sequence[str], index: int = 0) -> tuple[tuple[int, ...], int] | None:
    """Task numbers in a row ("3 and 4", "tasks 2, 5 and 7", "#2 & task 5"): (numbers, length)."""
    numbers: list[int] = []
    position = end = index
    while number := task_number_at(words, position):
        numbers.append(number[0])
        position = end = position + number[1]
        if position < len(words) and key(words[position]) in _NUMBER_JOINERS:
            position += 1
        elif not words[position - 1].endswith(","):
            break
    return (tuple(dict.fromkeys(numbers)), end - index) if numbers else None


def position_at(
    words: Sequence[str], index: int = 0, *, alone: bool = False
) -> tuple[int, int] | None:
    """A place in a list ("the first one", "the 2nd task", "last one"): (position, length).

    The position counts from 1, or is -1 for the last. "the first" needs "one" or
    a task noun after it unless it is all there is (`alone`): "the first draft"
    is a title.
    """
    k = [*keys(words[index : index + 3]), "", "", ""]
    skip = 1 if k[0] == "the" else 0
    ordinal = _ORDINAL_NUMBER.fullmatch(k[skip])
    position = int(ordinal[1]) if ordinal else _ORDINALS.get(k[skip])
    if position is None:
        return None
    if k[skip + 1] in ("one", *TASK_NOUNS):
        return position, skip + 2
    return (position, skip + 1) if alone and len(words) == index + skip + 1 else None


def _numbered(numbers: tuple[int, ...]) -> ByNumber | ByNumbers:
    return ByNumber(numbers[0]) if len(numbers) == 1 else ByNumbers(numbers)


def leading_reference(words: Sequence[str]) -> tuple[TaskRef, int] | None:
    """A task number, place or back-reference opening `words`, and how many words it takes.

    Titles are not tried: where a title ends is only known from what follows it.
    """
    skip = 1 if keys(words[:1]) == ["the"] else 0
    if numbers := task_numbers_at(words, skip):
        return _numbered(numbers[0]), skip + numbers[1]
    if place := position_at(words):
        return ByPosition(place[0]), place[1]
    for length in (4, 3, 2, 1):
        phrase = " ".join(keys(words[:length])) if len(words) >= length else None
        if phrase in PLURAL_REFERENCES and phrase != "all":
            return PluralReference(), length
        if phrase in BACK_REFERENCES:
            return BackReference(), length
    return None


# "everything", "all my tasks", "all of the completed ones", "every pending task".
_WHOLE_SET = re.compile(
    r"(?:(?P<all>all|every|everything)\s*)?(?:of\s+)?(?:the\s+|my\s+)?"
    r"(?P<status>completed|complete|done|finished|pending|open|unfinished|remaining)?\s*"
    r"(?:tasks?|todos?|to-dos?|items?|ones?|things?)?"
)
_SET_STATUS: dict[str, ListStatus] = {
    "completed": "completed", "complete": "completed", "done": "completed",
    "finished": "completed", "pending": "pending", "open": "pending",
    "unfinished": "pending", "remaining": "pending",
}  # fmt: skip


def whole_set(text: str) -> AllTasks | None:
    """The set `text` names when it names every task (of a status), else None."""
    match = _WHOLE_SET.fullmatch(text)
    if match is None or not match["all"] or not text:
        return None
    return AllTasks(_SET_STATUS[match["status"]] if match["status"] else "all")


def parse_task_ref(words: Sequence[str]) -> TaskRef | None:
    """The task named by `words`, which should hold nothing else ("the dentist task")."""
    k = keys(words)
    text = " ".join(k)
    if not k:
        return None
    if found_set := whole_set(text):
        return found_set
    if text in PLURAL_REFERENCES:
        return PluralReference()
    if text in BACK_REFERENCES or text.removeprefix("the ") in BACK_REFERENCES:
        return BackReference()
    skip = 1 if k[0] == "the" else 0
    if (numbers := task_numbers_at(words, skip)) and skip + numbers[1] == len(k):
        return _numbered(numbers[0])
    if (place := position_at(words, alone=True)) and place[1] == len(k):
        return ByPosition(place[0])
    quoted = [word for word in words if is_quoted(word)]
    if quoted:
        return ByTitle(unquote(quoted[0]))
    title_words = strip_leading(words, ("the", "my", "a", *TASK_NOUNS, "called", "named", "about"))
    title_words = strip_trailing(title_words, (*TASK_NOUNS, "one", "entry", "off", "as well"))
    title = join(title_words)
    return ByTitle(title) if title else None


def parse_priority_level(words: Sequence[str]) -> Priority | None:
    """A priority written on its own: "high", "high priority", "urgent", "low prio"."""
    text = " ".join(keys(strip_trailing(words, _PRIORITY_NOUNS)))
    if text in ("urgent", "important", "asap", "top", "critical"):
        return "high"
    return PRIORITY_LEVELS.get(text.removesuffix("-priority"))


def extract_priority(
    words: Sequence[str], *, anywhere: bool = False
) -> tuple[Priority | None, Words]:
    """A priority phrase: "with high priority", "high-priority", "priority: low", "urgent".

    "urgent", "important" and "asap" count only at either end of the message
    unless `anywhere`, so "reply to urgent email" keeps its title.
    """
    k = keys(words)
    for index, word in enumerate(k):
        level, length = None, 0
        next_word = k[index + 1] if index + 1 < len(k) else ""
        if word.endswith("-priority") and word.removesuffix("-priority") in PRIORITY_LEVELS:
            level, length = PRIORITY_LEVELS[word.removesuffix("-priority")], 1
        elif word in PRIORITY_LEVELS and next_word in _PRIORITY_NOUNS:
            level, length = PRIORITY_LEVELS[word], 2
        elif word in _PRIORITY_NOUNS:
            gap = 2 if next_word in ("to", "is", "of", "=", "at") else 1
            value = k[index + gap] if index + gap < len(k) else ""
            if value in PRIORITY_LEVELS or value in _URGENT_WORDS:
                level, length = PRIORITY_LEVELS.get(value, "high"), gap + 1
        elif phrase := longest_phrase_at(words, index, _URGENT_WORDS):
            at_an_edge = index == 0 or index + len(phrase.split()) == len(k)
            if anywhere or at_an_edge:
                level, length = ("low" if phrase.startswith("not") else "high"), len(phrase.split())
        if level is not None:
            start = index
            while start > 0 and index - start < 2 and k[start - 1] in _PRIORITY_JOINERS:
                start -= 1
            return level, [*words[:start], *words[index + length :]]
    return None, list(words)


def extract_tags(words: Sequence[str]) -> tuple[tuple[str, ...], Words]:
    """Tags: "#groceries", "tagged work", "tag it home", "with tags work, home"."""
    tags: list[str] = []
    rest: Words = []
    index = 0
    while index < len(words):
        if hashtag := _HASHTAG.fullmatch(key(words[index])):
            tags.append(hashtag[1])
            index += 1
        elif (intro := longest_phrase_at(words, index, _TAG_INTROS)) and index + len(
            intro.split()
        ) < len(words):
            index += len(intro.split())
            while index < len(words):
                tags.append(normalise_tag(words[index]))
                index += 1
                more = index < len(words) and (
                    words[index - 1].endswith(",")
                    or (intro.endswith("s") and key(words[index]) == "and")
                )
                if not more:
                    break
                if key(words[index]) == "and":
                    index += 1
        else:
            rest.append(words[index])
            index += 1
    return tuple(dict.fromkeys(tag for tag in tags if tag)), rest


def normalise_tag(word: str) -> str:
    """Tags are stored lowercase and without "#", so "Work" and "#work" are one tag."""
    return key(word).lstrip("#")[:32]


def split_tag_list(words: Sequence[str]) -> tuple[str, ...]:
    """The tags named by "work", "work and home" or "work, home"."""
    names = [normalise_tag(word) for word in words if key(word) not in ("and", "&", "")]
    return tuple(dict.fromkeys(name for name in names if name))
