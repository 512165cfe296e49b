"""The task tools of SPEC 6: names, descriptions and argument structs.

This table is the single definition every agent uses: the built-in agent calls
tools by these names, the OpenAI-compatible agent turns the argument structs
into JSON-schema functions, and the toolbox decodes arguments with them. The
argument structs reuse the task API's validation (`service.tasks.contracts`), so a
tool can store nothing the REST API would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.http.contract import AwareDatetime, Contract
from service.tasks.contracts import (
    Priority,
    Tags,
    TaskCreate,
    TaskStatus,
)

TaskId = Annotated[int, Meta(ge=1, le=2**63 - 1, description="The task's number, e.g. 3 for #3.")]


class AddTaskArgs(TaskCreate):
    """Create a task (same fields and rules as POST /tasks)."""


class ListTasksArgs(Contract):
    """Filter the user's tasks; all filters are optional."""

    status: TaskStatus = "all"
    q: Annotated[str, Meta(max_length=200)] | None = None
    priority: Priority | None = None
    tag: Annotated[str, Meta(max_length=32)] | None = None
    due_before: AwareDatetime | None = None
    due_after: AwareDatetime | None = None


class CompleteTaskArgs(Contract):
    """Mark a task done (completed=true, the default) or reopen it."""

    task_id: TaskId
    completed: bool = True


class DeleteTaskArgs(Contract):
    """Delete a task for good."""

    task_id: TaskId


class UpdateTaskArgs(Contract):
    """Change some fields of a task; null clears description or due_at."""

    task_id: TaskId
    title: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    priority: Priority | UnsetType = UNSET
    due_at: AwareDatetime | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET


class UndoArgs(Contract):
    """No arguments: what to revert is recorded in the conversation."""


@dataclass(frozen=True)
class ToolSpec:
    """One tool: what the model is told and how its arguments decode."""

    name: str
    description: str
    arguments: type[msgspec.Struct]
    # What a client may assume (MCP's tool annotations): the tool only reads;
    # it may destroy or overwrite data; calling it twice does nothing more.
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    # Only a chat agent has a conversation to undo in (not MCP).
    chat_only: bool = False


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "add_task",
        "Create a new task for the user. Returns {task_id, status, title}.",
        AddTaskArgs,
    ),
    ToolSpec(
        "list_tasks",
        "List the user's tasks, optionally filtered by status, text, priority, tag or "
        "due date. Returns {tasks, count}.",
        ListTasksArgs,
        read_only=True,
        idempotent=True,
    ),
    ToolSpec(
        "complete_task",
        "Mark a task as completed, or reopen it with completed=false. "
        "Returns {task_id, status, title}.",
        CompleteTaskArgs,
        idempotent=True,
    ),
    ToolSpec(
        "delete_task",
        "Delete a task. Returns {task_id, status, title}.",
        DeleteTaskArgs,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "update_task",
        "Change a task's title, description, priority, due date or tags. "
        "Returns {task_id, status, title}.",
        UpdateTaskArgs,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        "undo_last_change",
        "Revert the last change made in this conversation (all the tasks one message "
        "added, completed, reopened, changed or deleted; a deleted task comes back with "
        "its number). Calling it again reverts the change before. Returns {status, tasks}.",
        UndoArgs,
        destructive=True,
        chat_only=True,
    ),
)

TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}
