"""Parsing commands that change an existing task: delete and update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from service.agent.builtin.commands_clear import clearing, parse_removal
from service.agent.builtin.commands_state import LIST_PLACES, trailing_state
from service.agent.builtin.dates import find_due
from service.agent.builtin.fields import (
    extract_priority,
    leading_reference,
    parse_priority_level,
    parse_task_ref,
    split_tag_list,
)
from service.agent.builtin.intents import (
    BackReference,
    ByTitle,
    DeleteTask,
    SetCompleted,
    TaskRef,
    UpdateTask,
)
from service.agent.builtin.words import (
    Words,
    is_quoted,
    join,
    key,
    keys,
    last_index,
    split_at_phrase,
    strip_leading,
    strip_trailing,
    unquote,
    without_possessive,
)

Splits = tuple[tuple[str, str], ...]

_ATTRIBUTES = {
    "title": "title", "name": "title", "description": "description", "desc": "description",
    "details": "description", "note": "description", "notes": "description",
    "priority": "priority", "prio": "priority", "importance": "priority",
    "due date": "due", "due time": "due", "deadline": "due", "due": "due", "date": "due",
    "tags": "tags", "tag": "tags", "labels": "tags", "label": "tags",
}  # fmt: skip
_VALUE_INTROS = ("to", "as", "into", "=", "is", "saying", "that says", "with", "-")
_NOTHING = (
    "none", "nothing", "empty", "blank", "null", "no date", "no due date", "no description",
    "no tags",
)  # fmt: skip


def parse_delete(rest: Words, today: dt.date) -> DeleteTask | UpdateTask:
    """Delete: "delete task 2", "remove the dentist task", "get rid of that one".

    Unless a field of a task is named: "remove the due date from task 3".
    """
    if removal := parse_removal(rest, today):
        return removal
    return DeleteTask(task=parse_task_ref(strip_trailing(rest, LIST_PLACES)))


def parse_prioritize(rest: Words, today: dt.date) -> UpdateTask:
    """Prioritize: "prioritize task 2" is high, unless another level is named."""
    priority, rest = extract_priority(rest, anywhere=True)
    task = parse_task_ref(strip_trailing(rest, ("as", "to")))
    return UpdateTask(task=task, priority=priority or "high")


def parse_modify(rest: Words, today: dt.date) -> SetCompleted | UpdateTask | None:
    """After "mark", "set", "make", "change", "update"...: a state or a field change.

    Tried in order: a state ("as done"), a priority ("high priority"), a named
    field ("the description of task 4 to ..."), a date ("task 2 to friday"), and
    last a new title ("task 1 to buy oat milk").
    """
    state, before = trailing_state(rest)
    if state is not None:
        return SetCompleted(task=parse_task_ref(before), completed=state)
    priority, without = extract_priority(rest)
    if priority is not None:
        task = parse_task_ref(strip_trailing(without, ("to", "as", "a")))
        return UpdateTask(task=task, priority=priority)
    if update := _parse_named_field(rest, today):
        return update
    if retitled := _quoted_new_title(rest):  # "task 2 to say call dad tonight": all text
        return retitled
    due_at, without = find_due(rest, today)
    if due_at is not None:
        return UpdateTask(task=parse_task_ref(strip_trailing(without, ("to", "as"))), due_at=due_at)
    reference = leading_reference(rest)
    if reference is None:
        return None
    task, length = reference
    value = _without_quoting_verb(strip_leading(rest[length:], _VALUE_INTROS), _QUOTING)
    return UpdateTask(task=task, title=_text_value(value)) if value else UpdateTask(task=task)


def _parse_named_field(words: Words, today: dt.date) -> UpdateTask | None:
    """A named field: "the description of task 4 to X", "task 2's due date to friday"."""
    found = split_at_phrase(words, _ATTRIBUTES)
    if found is None:
        return None
    before, name, after = found
    splits: Splits = ()
    if not strip_leading(before, ("the", "its", "their")):
        after = strip_leading(after, ("of", "for", "on", "in"))
        task, value, splits = _split_reference_and_value(after)
    else:
        task = parse_task_ref(without_possessive(before))
        value = strip_leading(after, _VALUE_INTROS)
    if keys(before) == ["its"]:
        task = BackReference()
    return _update_field(_ATTRIBUTES[name], task, value, today, splits)


def _update_field(
    field: str, task: TaskRef | None, value: Words, today: dt.date, splits: Splits = ()
) -> UpdateTask:
    if " ".join(keys(value)) in _NOTHING:
        return clearing(field, task)
    if field == "priority":
        return UpdateTask(task=task, priority=parse_priority_level(value))
    if field == "due":
        return UpdateTask(task=task, due_at=find_due(value, today)[0])
    if field == "tags":
        return UpdateTask(task=task, add_tags=split_tag_list(value))
    text = _text_value(_without_quoting_verb(value, _QUOTING))
    if field == "title":
        return UpdateTask(task=task, title=text, other_splits=splits)
    return UpdateTask(task=task, description=text, other_splits=splits)


def parse_rename(rest: Words, today: dt.date) -> UpdateTask:
    """Rename: "rename task 1 to buy oat milk", "rename go to gym to gym session"."""
    task, value, splits = _split_reference_and_value(rest)
    value = _without_quoting_verb(value, _SAYING)
    return UpdateTask(task=task, title=_text_value(value), other_splits=splits)


def parse_move(rest: Words, today: dt.date) -> UpdateTask:
    """Move: "move task 2 to next monday", "postpone the dentist until friday"."""
    due_at, without = find_due(rest, today)
    without = strip_trailing(without, ("to", "until", "till", "for", "on", "back", "back to"))
    return UpdateTask(task=parse_task_ref(without), due_at=due_at)


def parse_tag(rest: Words, today: dt.date) -> UpdateTask:
    """Tag: "tag task 3 with work", "tag it as home", "label the report urgent"."""
    if reference := leading_reference(rest):
        task, length = reference
        return UpdateTask(
            task=task, add_tags=split_tag_list(strip_leading(rest[length:], ("with", "as")))
        )
    split = last_index(rest, ("with", "as"))
    if split is None:
        split = len(rest) - 1
        rest = [*rest[:split], "with", *rest[split:]]
    return UpdateTask(task=parse_task_ref(rest[:split]), add_tags=split_tag_list(rest[split + 1 :]))


def parse_add_tag(rest: Words, today: dt.date) -> UpdateTask:
    """After "add tag": "work to task 3", "work and home to it"."""
    split = last_index(rest, ("to", "on", "for"))
    if split is None:
        return UpdateTask(task=None, add_tags=split_tag_list(rest))
    return UpdateTask(task=parse_task_ref(rest[split + 1 :]), add_tags=split_tag_list(rest[:split]))


def parse_note(rest: Words, today: dt.date) -> UpdateTask:
    """After "add a note to" or "describe": "task 3: call first", "it as bring the forms"."""
    task, value, splits = _split_reference_and_value(rest, separators=(*_VALUE_INTROS, ":"))
    return UpdateTask(task=task, description=_text_value(value), other_splits=splits)


def _split_reference_and_value(
    words: Words, separators: tuple[str, ...] = ("to", "as", "into")
) -> tuple[TaskRef | None, Words, Splits]:
    """A task then a new value, and the other ways to split them.

    After a number or "it" if one leads. Else at a separator: a colon if there
    is one, or the last "to" ("rename go to gym to gym session"), with the earlier
    ones as other splits, latest first: which title is meant is known only from
    the titles there are ("rename call mom to talk to mom").
    """
    if reference := leading_reference(words):
        task, length = reference
        return task, strip_leading(words[length:], separators), ()
    splits: list[tuple[TaskRef | None, Words]] = []
    for index, word in enumerate(words):
        if word.endswith(":") and ":" in separators:
            splits = [(parse_task_ref([*words[:index], word.rstrip(":")]), words[index + 1 :])]
            break
        if key(word) in separators and index + 1 < len(words):
            splits.append((parse_task_ref(words[:index]), words[index + 1 :]))
    if not splits:
        return parse_task_ref(words), [], ()
    named, value = splits[-1]
    others = tuple(
        (earlier.text, text)
        for earlier, rest in reversed(splits[:-1])
        if isinstance(earlier, ByTitle) and (text := _text_value(rest))
    )
    return named, value, others if isinstance(named, ByTitle) else ()


# "change task 3 to read buy oat milk", "rename it to say call dad": the words
# after the verb are the text. "rename ... to read a book" keeps "read": only
# "say" quotes after "rename"; "read" quotes after "change", "update", "edit".
_SAYING = ("say", "says", "say:", "be called", "be named", "be")
_QUOTING = (*_SAYING, "read", "reads", "read:", "read as", "now say", "now read")


def _quoted_new_title(words: Words) -> UpdateTask | None:
    reference = leading_reference(words)
    if reference is None:
        return None
    task, length = reference
    after = words[length:]
    if keys(after[:1]) != ["to"] or len(after) < 3:
        return None
    value = _without_quoting_verb(after[1:], _QUOTING)
    return UpdateTask(task=task, title=_text_value(value)) if len(value) < len(after) - 1 else None


def _without_quoting_verb(words: Words, verbs: Sequence[str]) -> Words:
    if len(words) < 2:
        return words
    stripped = strip_leading(words, verbs)
    return stripped if stripped else words


def _text_value(words: Words) -> str | None:
    quoted = [word for word in words if is_quoted(word)]
    text = unquote(quoted[0]) if quoted else join(words)
    return text or None


def is_title_reference(task: TaskRef | None) -> bool:
    """Whether a task was named by title, or not at all (for "I need to finish X")."""
    return task is None or isinstance(task, ByTitle)
