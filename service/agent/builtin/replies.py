"""The sentences the built-in agent answers with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from service.agent.builtin.dates import describe_day, describe_due
from service.agent.builtin.intents import ListTasks, SmallTalkKind, UpdateTask

CAPABILITIES = (
    'I can add tasks ("add buy milk tomorrow at 5pm #groceries"), list them '
    '("what\'s pending?"), complete or reopen them ("mark task 3 as done"), change them '
    '("move task 2 to next monday") and delete them ("delete task 2").'
)
SMALL_TALK: dict[SmallTalkKind, str] = {
    "greeting": f"Hi! {CAPABILITIES}",
    "help": CAPABILITIES,
    "thanks": "Happy to help! Tell me whenever there's something to do with your tasks.",
    "unknown": f"Sorry, I didn't understand that. {CAPABILITIES}",
}


def too_many_at_once(limit: int) -> str:
    """The answer to a request that would change more tasks than one turn may."""
    return (
        f"I can change up to {limit} tasks at once, so I changed none. "
        "Please name fewer tasks, or split the request into several messages."
    )


DATE_OUT_OF_RANGE = (
    "That date is too far away: I can use dates up to the year 9999. "
    'Try a closer one, like "in 3 weeks" or "on 2027-03-01".'
)
WHICH_TASK = 'Which task do you mean? Tell me its number (like "task 3") or its title.'
WHICH_TASKS = (
    "Which tasks do you mean? I haven't just listed or changed any. "
    'Name them by number (like "tasks 3 and 4") or title.'
)
KEPT = "OK, I deleted nothing."
WHAT_TITLE = 'What should the task say? For example: "add buy milk tomorrow".'
WHAT_CHANGE = (
    "What should I change about that task? I can rename it, or set its description, "
    "priority, due date or tags."
)


def parse_due(value: Any) -> dt.datetime | None:
    """A task's `due_at` as stored (RFC 3339), or None if absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def quoted_title(result: dict[str, Any], task_id: int) -> str:
    """'task #3 "Buy milk"', or just 'task #3' when the tool gave no title."""
    title = result.get("title")
    return f'task #{task_id} "{title}"' if title else f"task #{task_id}"


def details(
    *, due_at: dt.datetime | None, priority: str | None, tags: Sequence[str], today: dt.date
) -> str:
    """Task details like " (due Fri 27 Nov, high priority)", or "" with nothing to say."""
    parts = []
    if due_at is not None:
        parts.append(f"due {describe_due(due_at, today)}")
    if priority and priority != "none":
        parts.append(f"{priority} priority")
    if tags:
        parts.append(f"tagged {', '.join(tags)}")
    return f" ({', '.join(parts)})" if parts else ""


# A list line stays readable (and a stored listing small): long titles are
# cut and only the first tags named; the number says which task it is.
LINE_TITLE_CHARS = 80
LINE_TAGS = 3


def task_line(task: dict[str, Any], today: dt.date, zone: dt.tzinfo = dt.UTC) -> str:
    """One line of a list reply: "#3 Buy milk (due Fri 27 Nov, done)", dates in `zone`."""
    tags = [str(tag) for tag in task.get("tags") or []]
    if len(tags) > LINE_TAGS:
        tags = [*tags[:LINE_TAGS], f"+{len(tags) - LINE_TAGS} more"]
    due_at = parse_due(task.get("due_at"))
    extra = details(
        due_at=due_at.astimezone(zone) if due_at is not None else None,
        priority=task.get("priority"),
        tags=tags,
        today=today,
    )
    if task.get("completed"):
        extra = f"{extra[:-1]}, done)" if extra else " (done)"
    title = str(task.get("title"))
    if len(title) > LINE_TITLE_CHARS:
        title = title[: LINE_TITLE_CHARS - 1].rstrip() + "…"
    return f"#{task.get('id')} {title}{extra}"


def list_reply(
    request: ListTasks, result: dict[str, Any], today: dt.date, zone: dt.tzinfo = dt.UTC
) -> str:
    """A header like "You have 3 pending tasks:", then a line per task; kind words if none."""
    tasks = [task for task in result.get("tasks") or [] if isinstance(task, dict)]
    count = result.get("count", len(tasks))
    count = count if isinstance(count, int) else len(tasks)
    adjectives = " ".join(
        word
        for word in (request.status if request.status != "all" else "", request.priority)
        if word
    )
    adjectives += " priority" if request.priority else ""
    filters = _filter_words(request, today)
    if not tasks:
        if request == ListTasks():
            return 'You have no tasks yet. Try "add buy milk".'
        cheer = " Nice work!" if request.status == "pending" else ""
        return f"You have no {_join(adjectives, 'tasks', filters)}.{cheer}"
    noun = "task" if count == 1 else "tasks"
    header = f"You have {count} {_join(adjectives, noun, filters)}"
    shown = "" if count <= len(tasks) else f" (showing the first {len(tasks)})"
    lines = "\n".join(task_line(task, today, zone) for task in tasks)
    return f"{header}{shown}:\n{lines}"


def _filter_words(request: ListTasks, today: dt.date) -> str:
    words = []
    if request.tag:
        words.append(f"tagged {request.tag}")
    if request.query:
        words.append(f'matching "{request.query}"')
    after, before = request.due_after, request.due_before
    if after and before and after.date() == before.date():
        words.append(f"due {_day(after.date(), today, on=True)}")
    elif after and before:
        words.append(f"due {_day(after.date(), today)} to {_day(before.date(), today)}")
    elif request.overdue:
        words.append("overdue")
    elif before:
        words.append(f"due by {_day(before.date(), today)}")
    elif after:
        words.append(f"due after {_day(after.date(), today)}")
    return " ".join(words)


def _day(day: dt.date, today: dt.date, *, on: bool = False) -> str:
    """A day for a list header: "today", "tomorrow", or "Fri 27 Nov" (with "on" if `on`)."""
    if day == today:
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    return f"on {describe_day(day, today)}" if on else describe_day(day, today)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def which_one(query: str, tasks: Sequence[dict[str, Any]]) -> str:
    """'I found 2 tasks matching "milk": #3 Buy milk, #5 Milk the cow. Which one?'."""
    listed = ", ".join(f"#{task.get('id')} {task.get('title')}" for task in tasks)
    return f'I found {len(tasks)} tasks matching "{query}": {listed}. Which one?'


class Done(NamedTuple):
    """A change a tool made: the task's number and the tool's result."""

    task_id: int
    result: dict[str, Any]


def names(done: Sequence[Done], *, titles: bool = True) -> str:
    """'task #3 "Buy milk"', or 'task #3 "Buy milk" and task #4 "Call mom"'."""
    named = [quoted_title(d.result, d.task_id) if titles else f"task #{d.task_id}" for d in done]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def confirm_deletion(tasks: Sequence[tuple[int, str | None]]) -> str:
    """The question asked before deleting several tasks; "yes" carries it out.

    It starts with `history.CONFIRM_DELETION` and names every task by number,
    which is how the next turn reads it back.
    """
    named = [f'#{task_id} "{title}"' if title else f"#{task_id}" for task_id, title in tasks]
    return (
        f"Delete these {len(tasks)} tasks? {', '.join(named)}. "
        'Say "yes" to delete them, or "no" to keep them.'
    )


def for_each(outcomes: Sequence[Done | str], sentence: Callable[[list[Done]], str]) -> str:
    """One sentence for the changes made, then one for each failure."""
    done = [outcome for outcome in outcomes if isinstance(outcome, Done)]
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    return " ".join([sentence(done), *failures] if done else failures)


def update_reply(update: UpdateTask, done: Sequence[Done], today: dt.date) -> str:
    """One sentence for the change made, naming the task(s)."""
    tasks = names(done)
    new_title = done[0].result.get("title") or update.title
    changes = []
    if update.title is not None:
        changes.append(f'renamed to "{new_title}"')
    if update.description is not None or "description" in update.clear:
        changes.append("description updated" if update.description else "description removed")
    if update.priority is not None:
        changes.append(f"priority {update.priority}")
    if update.due_at is not None or "due_at" in update.clear:
        changes.append(
            f"due {describe_due(update.due_at, today)}" if update.due_at else "no due date"
        )
    if update.add_tags:
        changes.append(f"tagged {', '.join(update.add_tags)}")
    if update.remove_tags or "tags" in update.clear:
        changes.append(f"untagged {', '.join(update.remove_tags) or 'all'}")
    if len(changes) > 1:
        return f"Updated {tasks}: {', '.join(changes)}."
    if update.title is not None:
        return f'Renamed {names(done, titles=False)} to "{new_title}".'
    if update.description is not None:
        return f"Updated the description of {tasks}."
    if update.priority is not None:
        return f"Set the priority of {tasks} to {update.priority}."
    if update.due_at is not None:
        return f"Moved {tasks} to {describe_due(update.due_at, today)}."
    if update.add_tags:
        return f"Tagged {tasks} with {', '.join(update.add_tags)}."
    if update.remove_tags:
        tag_words = "tag" if len(update.remove_tags) == 1 else "tags"
        return f"Removed the {tag_words} {', '.join(update.remove_tags)} from {tasks}."
    cleared = {"description": "the description", "due_at": "the due date", "tags": "all tags"}
    return f"Removed {cleared[update.clear[0]]} from {tasks}."
