"""What the parser understood a message to ask for.

Each intent is a frozen msgspec Struct, so tests can compare a parse with the
expected value in one `==`. Dates are already resolved against `today`: an intent
holds UTC datetimes, never phrases like "next monday".
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

Priority = Literal["none", "low", "medium", "high"]
ListStatus = Literal["all", "pending", "completed"]
SmallTalkKind = Literal["greeting", "help", "thanks", "unknown"]


class ByNumber(msgspec.Struct, frozen=True):
    """A task named by its number: "task 3", "#3", "3"."""

    task_id: int


class ByTitle(msgspec.Struct, frozen=True):
    """A task named by (part of) its title: "the dentist task" -> "dentist"."""

    text: str


class BackReference(msgspec.Struct, frozen=True):
    """A back-reference ("it", "that one", "the last one"): the task named last."""


TaskRef = ByNumber | ByTitle | BackReference


class AddTask(msgspec.Struct, frozen=True, kw_only=True):
    """Create a task; an empty title means the user did not say what to add."""

    title: str
    priority: Priority | None = None
    due_at: dt.datetime | None = None
    tags: tuple[str, ...] = ()


class ListTasks(msgspec.Struct, frozen=True, kw_only=True):
    """Show tasks, filtered like the list_tasks tool."""

    status: ListStatus = "all"
    query: str | None = None
    priority: Priority | None = None
    tag: str | None = None
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None


class SetCompleted(msgspec.Struct, frozen=True, kw_only=True):
    """Mark a task done (`completed=True`) or reopen it; `task=None`: not said which."""

    task: TaskRef | None
    completed: bool = True


class DeleteTask(msgspec.Struct, frozen=True, kw_only=True):
    """Delete a task; `task=None`: not said which."""

    task: TaskRef | None


class UpdateTask(msgspec.Struct, frozen=True, kw_only=True):
    """Change some fields of a task; fields left None stay as they are.

    `add_tags` are added to the task's current tags rather than replacing them.
    """

    task: TaskRef | None
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    due_at: dt.datetime | None = None
    add_tags: tuple[str, ...] = ()

    def changes_nothing(self) -> bool:
        """Whether the user named a task but no understandable change."""
        return (
            self.title is None
            and self.description is None
            and self.priority is None
            and self.due_at is None
            and not self.add_tags
        )


class ChooseTask(msgspec.Struct, frozen=True):
    """A bare task reference ("#3", "task 3"): usually the answer to "which one?"."""

    task: ByNumber


class SmallTalk(msgspec.Struct, frozen=True):
    """Greetings, help, thanks, or anything not understood: no tool is run."""

    kind: SmallTalkKind


Intent = AddTask | ListTasks | SetCompleted | DeleteTask | UpdateTask | ChooseTask | SmallTalk
TaskIntent = SetCompleted | DeleteTask | UpdateTask
