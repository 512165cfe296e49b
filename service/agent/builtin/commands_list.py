"""Parsing questions about tasks into list filters.

Date filters (decisions): "today" and "this week" mean everything still open
that is due by the end of that day or week, overdue tasks included; another day
("tomorrow", "on friday") means due on that day only; "next week" is Monday to
Sunday of next week; "overdue" is due before now (a task due at 09:00 is
overdue at 18:00 the same day). "today's", "tomorrow's", "this week's" are
"today", "tomorrow", "this week". A date without a status asks for pending tasks.
"""

from __future__ import annotations

import datetime as dt

from service.agent.builtin.dates import (
    end_of_day,
    end_of_week,
    find_due,
    next_weekday,
    start_of_day,
)
from service.agent.builtin.fields import (
    TASK_NOUNS,
    extract_priority,
    extract_tags,
    normalise_tag,
)
from service.agent.builtin.intents import ListStatus, ListTasks
from service.agent.builtin.words import (
    Words,
    find_phrase,
    is_quoted,
    join,
    key,
    keys,
    split_at_phrase,
    strip_leading,
    strip_trailing,
    unquote,
)

# Words showing that a "what ..." question is about tasks ("what's pending?").
_TOPICS = {
    *TASK_NOUNS, "pending", "due", "left", "do", "done", "completed", "finished", "overdue",
    "open", "list", "plate", "agenda", "scheduled", "planned", "remaining", "outstanding",
    "tagged", "priority", "urgent", "today", "tomorrow", "week", "on",
}  # fmt: skip
_PENDING = (
    "pending", "open", "incomplete", "unfinished", "undone", "outstanding", "remaining",
    "left", "to do", "uncompleted", "active", "not done", "not completed", "not finished",
    "not complete", "still",
)  # fmt: skip
_COMPLETED = ("completed", "done", "finished", "complete", "closed", "checked off", "ticked off")
_QUERY_INTROS = (
    "about", "containing", "mentioning", "matching", "called", "named", "titled", "with",
    "that mention", "that contain", "with the word", "that say", "like", "for",
)  # fmt: skip
_SEARCH_FILLER = ("for", "my", "the", "all", "a", *TASK_NOUNS, *_QUERY_INTROS)
_QUERY_TAIL = (*TASK_NOUNS, "in the title", "in them", "in it", "one", "ones")
# Words that may stand before "tasks" without being a tag ("my open tasks").
_NOT_TAGS = {
    word for phrase in (*_PENDING, *_COMPLETED) for word in phrase.split()
} | {
    "my", "all", "the", "me", "of", "your", "our", "these", "those", "some", "any", "other",
    "many", "much", "what", "which", "new", "latest", "recent", "current", "every", "upcoming",
    "due", "today", "tomorrow", "late", "urgent", "important", "priority", "i", "do", "have",
}  # fmt: skip
_OVERDUE = ("overdue", "late", "past due")
_POSSESSIVE_DAYS = {
    "today's": "today", "todays": "today", "tomorrow's": "tomorrow", "tomorrows": "tomorrow",
    "week's": "week", "tonight's": "tonight", "tonights": "tonight",
}  # fmt: skip
_WINDOW_PHRASES = ("overdue", "late", "past due", "this week", "the week", "next week")

Window = tuple[dt.datetime | None, dt.datetime | None]


def parse_question(rest: Words, today: dt.date) -> ListTasks | None:
    """After "what", "which", "any"...: a list if the question is about tasks at all."""
    if any(is_quoted(word) for word in rest) or set(keys(rest)) & _TOPICS:
        return parse_list(rest, today)
    return None


def parse_search(rest: Words, today: dt.date) -> ListTasks:
    """After "search", "find", "look for": the words to search for ("for milk" -> milk)."""
    quoted = [word for word in rest if is_quoted(word)]
    if quoted:
        return ListTasks(query=unquote(quoted[0]))
    query = join(strip_trailing(strip_leading(rest, _SEARCH_FILLER), _QUERY_TAIL))
    return ListTasks(query=query or None)


def parse_list(rest: Words, today: dt.date) -> ListTasks:
    """Filters in any order: status, priority, tag, due date, words to look for."""
    rest = [_POSSESSIVE_DAYS.get(key(word), word) for word in rest]
    overdue = find_phrase(rest, _OVERDUE) is not None
    tags, rest = extract_tags(rest)
    priority, rest = extract_priority(rest, anywhere=True)
    (due_after, due_before), rest = _due_window(rest, today)
    query, rest = _extract_query(rest)
    status = _status_in(rest)
    if status is None and (due_after or due_before):
        status = "pending"
    tag = tags[0] if tags else _tag_before_noun(rest)
    return ListTasks(
        status=status or "all",
        query=query,
        priority=priority,
        tag=tag,
        due_before=due_before,
        due_after=due_after,
        overdue=overdue,
    )


def _tag_before_noun(words: Words) -> str | None:
    """The tag of "my work tasks": a word before "tasks" that is no status or filler."""
    k = keys(words)
    for index in range(1, len(k)):
        before = k[index - 1]
        if k[index] in TASK_NOUNS and before.isalpha() and before not in _NOT_TAGS:
            return normalise_tag(before)
    return None


def _extract_query(words: Words) -> tuple[str | None, Words]:
    quoted = [word for word in words if is_quoted(word)]
    if quoted:
        return unquote(quoted[0]), [word for word in words if not is_quoted(word)]
    found = split_at_phrase(words, _QUERY_INTROS)
    if found is None:
        return None, words
    before, _, after = found
    query = join(strip_trailing(after, _QUERY_TAIL))
    return (query, before) if query else (None, words)


def _status_in(words: Words) -> ListStatus | None:
    """The status asked about; "not done" is checked before "done"."""
    found_pending = find_phrase(words, _PENDING)
    found_completed = find_phrase(words, _COMPLETED)
    if found_pending is not None and (found_completed is None or found_pending <= found_completed):
        return "pending"
    if found_completed is not None:
        return "completed"
    return "all" if "all" in keys(words) else None


def _due_window(words: Words, today: dt.date) -> tuple[Window, Words]:
    """(due_after, due_before) for the date words of a question, and the other words."""
    found = split_at_phrase(words, _WINDOW_PHRASES)
    if found is not None:
        before, phrase, after = found
        rest = [*before, *after]
        if phrase == "next week":
            monday = next_weekday(today, 0)
            return (start_of_day(monday), end_of_day(monday + dt.timedelta(days=6))), rest
        if phrase in ("this week", "the week"):
            return (None, end_of_day(end_of_week(today))), rest
        return (None, start_of_day(today)), rest
    due_at, rest = find_due(words, today)
    if due_at is None:
        return (None, None), rest
    if due_at.date() <= today:
        return (None, end_of_day(today)), rest
    return (start_of_day(due_at.date()), end_of_day(due_at.date())), rest
