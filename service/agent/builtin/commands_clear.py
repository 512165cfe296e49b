"""Parsing removals from a task: its due date, description, priority or tags.

"remove the due date from task 3", "clear the description of task 2", "remove tag
work from task 3", "remove the work tag from it", "untag task 3 work". These
share their verbs with deleting a task, so `parse_removal` answers None unless a
field is named and a task follows it ("from task 3") or owns it ("task 3's",
"its"): "remove the dentist task" stays a deletion.
"""

from __future__ import annotations

import datetime as dt

from service.agent.builtin.fields import (
    TASK_NOUNS,
    leading_reference,
    parse_task_ref,
    split_tag_list,
)
from service.agent.builtin.intents import BackReference, TaskRef, UpdateTask
from service.agent.builtin.words import (
    Words,
    key,
    keys,
    last_index,
    split_at_phrase,
    strip_leading,
    without_possessive,
)

# Field words that cannot start a title in "remove the <field> from <task>";
# "notes" and "details" are left out: "delete the notes from the meeting" is a task.
_FIELDS = {
    "due date": "due", "due time": "due", "deadline": "due", "due": "due", "date": "due",
    "description": "description", "desc": "description", "priority": "priority",
    "tags": "tags", "tag": "tags", "labels": "tags", "label": "tags",
}  # fmt: skip
_FROM = ("from", "of", "on", "off", "for", "in")
_DETERMINERS = ("the", "all", "all the", "all of the", "any", "every")
_LISTS = {"list", "my list", "the list", "my tasks", "my todo list", "my to-do list", "my todos"}


def clearing(field: str, task: TaskRef | None) -> UpdateTask:
    """An update emptying `field` ("due", "description", "tags"); priority goes back to none."""
    if field == "priority":
        return UpdateTask(task=task, priority="none")
    if field == "due":
        return UpdateTask(task=task, clear=("due_at",))
    if field == "description":
        return UpdateTask(task=task, clear=("description",))
    if field == "tags":
        return UpdateTask(task=task, clear=("tags",))
    return UpdateTask(task=task)


def parse_removal(rest: Words, today: dt.date) -> UpdateTask | None:
    """After "remove", "delete", "clear": a field of a task, or None when no field is named."""
    found = split_at_phrase(rest, _FIELDS)
    if found is None:
        return None
    before, name, after = found
    if before and key(before[-1]).endswith("'s"):  # "task 3's due date"
        task: TaskRef | None = parse_task_ref(without_possessive(before))
        names = after
    elif keys(before[:1]) == ["its"]:  # "its due date", "its work tag"
        task, names = BackReference(), [*before[1:], *after]
    elif (split := last_index(after, _FROM)) is not None:  # "the due date from task 3"
        target = after[split + 1 :]
        if not target or " ".join(keys(target)) in _LISTS:
            return None
        task, names = parse_task_ref(target), [*before, *after[:split]]
    elif strip_leading(before, _DETERMINERS) == [] or _FIELDS[name] == "tags":
        # "remove the due date", "remove tag work": the task talked about last.
        task, names = BackReference(), [*before, *after]
    else:
        return None
    names = strip_leading(names, _DETERMINERS)
    if set(keys(names)) & set(TASK_NOUNS):  # "delete the grocery tag task": a title
        return None
    if _FIELDS[name] != "tags":
        return None if names else clearing(_FIELDS[name], task)
    return _untagging(task, names)


def parse_untag(rest: Words, today: dt.date) -> UpdateTask:
    """After "untag": "task 3 work", "work from task 3", "it"; no tag named: all of them."""
    if reference := leading_reference(rest):
        task, length = reference
        return _untagging(task, strip_leading(rest[length:], ("from", "with", "as")))
    split = last_index(rest, ("from", "on", "off"))
    if split is not None:
        return _untagging(parse_task_ref(rest[split + 1 :]), rest[:split])
    if len(rest) > 1:  # "untag the report work": the last word is the tag, as in "tag"
        return _untagging(parse_task_ref(rest[:-1]), rest[-1:])
    return _untagging(parse_task_ref(rest), [])


def _untagging(task: TaskRef | None, names: Words) -> UpdateTask:
    tags = split_tag_list(strip_leading(names, _DETERMINERS))
    return UpdateTask(task=task, remove_tags=tags) if tags else clearing("tags", task)
