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
    """A back-reference ("it", "that one", "the same one"): the task named last."""


class PluralReference(msgspec.Struct, frozen=True):
    """ "them", "those", "all of them": the tasks the last reply listed or changed, only."""


class ByPosition(msgspec.Struct, frozen=True):
    """A place in the list the previous reply showed: "the first one" (1), "the last one" (-1).

    With no list shown, "the last one" falls back to the task named last.
    """

    position: int


class ByNumbers(msgspec.Struct, frozen=True):
    """Several tasks by number: "3 and 4", "tasks 2, 5 and 7"; the tool runs once per task."""

    task_ids: tuple[int, ...]


class AllTasks(msgspec.Struct, frozen=True):
    """A whole set: "everything", "all my tasks", "all completed tasks" (by status)."""

    status: ListStatus = "all"


TaskRef = ByNumber | ByTitle | BackReference | PluralReference | ByPosition | ByNumbers | AllTasks
ClearableField = Literal["description", "due_at", "tags"]


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
    # "overdue": due before the moment the list runs (it replaces due_before).
    overdue: bool = False


class SetCompleted(msgspec.Struct, frozen=True, kw_only=True):
    """Mark a task done (`completed=True`) or reopen it; `task=None`: not said which."""

    task: TaskRef | None
    completed: bool = True


class DeleteTask(msgspec.Struct, frozen=True, kw_only=True):
    """Delete a task; `task=None`: not said which."""

    task: TaskRef | None


class UpdateTask(msgspec.Struct, frozen=True, kw_only=True):
    """Change some fields of a task; fields left None stay as they are.

    `add_tags` are added to the task's current tags and `remove_tags` taken from
    them, rather than replacing them; `clear` empties fields ("remove the due date").
    `other_splits`: "rename go to gym to gym session" can be split at either "to";
    `task` holds the last split, and these the others as (title, new text), latest
    first, tried in turn while the title before them matches no task.
    """

    task: TaskRef | None
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    due_at: dt.datetime | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    clear: tuple[ClearableField, ...] = ()
    other_splits: tuple[tuple[str, str], ...] = ()

    def changes_nothing(self) -> bool:
        """Whether the user named a task but no understandable change."""
        return (
            self.title is None
            and self.description is None
            and self.priority is None
            and self.due_at is None
            and not self.add_tags
            and not self.remove_tags
            and not self.clear
        )

    def readings(self) -> list[UpdateTask]:
        """This update, then the one each other split gives (see `other_splits`)."""
        return [self, *(self.split_at(title, text) for title, text in self.other_splits)]

    def split_at(self, title: str, text: str) -> UpdateTask:
        """This update read as: the task titled `title` gets `text`."""
        return msgspec.structs.replace(
            self,
            task=ByTitle(title),
            title=text if self.title is not None else None,
            description=text if self.description is not None else None,
            other_splits=(),
        )


class ChooseTask(msgspec.Struct, frozen=True):
    """A bare task reference ("#3", "the first one"): usually the answer to "which one?"."""

    task: ByNumber | ByPosition


class SmallTalk(msgspec.Struct, frozen=True):
    """Greetings, help, thanks, or anything not understood: no tool is run."""

    kind: SmallTalkKind


class Undo(msgspec.Struct, frozen=True):
    """ "undo", "put it back", "never mind": revert the last change of the conversation."""


Intent = (
    AddTask | ListTasks | SetCompleted | DeleteTask | UpdateTask | ChooseTask | SmallTalk | Undo
)
TaskIntent = SetCompleted | DeleteTask | UpdateTask
