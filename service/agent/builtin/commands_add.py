"""Parsing "add" commands: the title, with its date, priority and tags cut out."""

from __future__ import annotations

import datetime as dt

from service.agent.builtin.dates import find_due
from service.agent.builtin.fields import TASK_NOUNS, extract_priority, extract_tags
from service.agent.builtin.intents import AddTask
from service.agent.builtin.words import (
    Words,
    is_quoted,
    join,
    key,
    longest_phrase_at,
    strip_trailing,
    unquote,
)

TITLE_LIMIT = 200  # SPEC 5: titles are 1..200 characters

_ARTICLES = ("a", "an", "the", "new", "another", "a new", "one more", "my")
_CONNECTORS = ("to", "called", "named", "titled", "for", "that says", "saying", "about", "of")
_LIST_SUFFIXES = (
    "to my list", "to the list", "on my list", "on the list", "to my todo list",
    "to my to-do list", "to the todo list", "to the to-do list", "to my todos", "to my tasks",
    "to my task list", "to the task list", "to list", "as a task", "as a todo", "as a new task",
    "as a to-do", "as a reminder",
)  # fmt: skip
# Words left hanging once a date or priority is cut out ("report with", "rent and").
_DANGLING = (
    "and", "with", "to", "on", "by", "due", "for", "at", "please", "-", "make it", "mark it",
    "mark it as", "set it to", "and make it", "it's", "it is",
)  # fmt: skip


def parse_add(rest: Words, today: dt.date) -> AddTask:
    """What follows an add verb: "a task to call mom tomorrow #family with high priority"."""
    tags, rest = extract_tags(rest)
    priority, rest = extract_priority(rest)
    due_at, rest = find_due(rest, today)
    quoted = [word for word in rest if is_quoted(word)]
    if quoted:
        title = unquote(quoted[0])
    else:
        rest = strip_trailing(_strip_task_noun(rest), (*_LIST_SUFFIXES, *_DANGLING))
        title = join(rest)
    return AddTask(title=title[:TITLE_LIMIT].strip(), priority=priority, due_at=due_at, tags=tags)


def _strip_task_noun(words: Words) -> Words:
    """Drop "a task to", "new todo:", "a reminder called": only when a task noun is there.

    Without the noun the words are the title itself: "add the report" keeps "the".
    """
    index = 0
    if article := longest_phrase_at(words, index, _ARTICLES):
        index += len(article.split())
    if index >= len(words) or key(words[index]) not in TASK_NOUNS:
        return words
    index += 1
    if connector := longest_phrase_at(words, index, _CONNECTORS):
        index += len(connector.split())
    return words[index:]
