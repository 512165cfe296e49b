"""Tasks read through `sql/tasks.sql`, for the REST API and the chat tools alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from service.db.queries import Queries
from service.http.cursor import Position
from service.tasks import listing
from service.tasks.contracts import Task, TaskListQuery, TaskUpdate


def task_from_row(row: Any) -> Task:
    """The Task of a row holding the task columns (and maybe others, like `total`).

    Named keyword arguments, not `Task(**row)` or a filtered dict: a page of
    50 tasks is built about three times faster this way (see docs/bench.md).
    """
    return Task(
        id=row["id"],
        user_id=row["user_id"],
        title=row["title"],
        description=row["description"],
        completed=row["completed"],
        priority=row["priority"],
        due_at=row["due_at"],
        tags=row["tags"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
    )


@dataclass(frozen=True)
class TaskPage:
    """A page of tasks, how many match in all, and where the next page starts."""

    tasks: list[Task]
    total: int
    next: Position | None


async def fetch_task_page(
    queries: Queries,
    pool: Any,
    user_id: str,
    query: TaskListQuery,
    *,
    after: Position | None = None,
) -> TaskPage:
    """One page of the user's tasks matching `query` (starting after `after`)."""
    shape = listing.variant_key(query.sort, query.order, query.status, after=after is not None)
    statement = queries.variant(
        "list_tasks",
        shape,
        listing.fill(query.sort, query.order, query.status, after is not None),
    )
    rows = await statement(
        pool,
        user_id=user_id,
        q=query.q,
        priority=query.priority,
        tag=query.tag,
        due_before=query.due_before,
        due_after=query.due_after,
        limit=query.limit,
        offset=query.offset,
        after_key=None if after is None else after.key,
        after_id=None if after is None else after.row_id,
    )
    # The query always returns a row carrying the total; past the end of the
    # list that row has no task (its id is NULL). One row more than asked says
    # there is a next page.
    found = [row for row in rows if row["id"] is not None]
    page = found[: query.limit]
    tasks = [task_from_row(row) for row in page]
    following = None
    if len(found) > query.limit:
        following = Position(page[-1]["sort_key"], page[-1]["id"])
    return TaskPage(tasks, rows[0]["total"], following)


async def apply_update(
    queries: Queries, pool: Any, user_id: str, task_id: int, update: TaskUpdate
) -> Any:
    """Apply `update` to one of the user's tasks; its row, or None when there is none.

    The sent fields travel as one JSON object (so one statement serves every
    subset), except `due_at`, which goes as a typed parameter: the SQL never
    casts user text to a time.
    """
    return await queries.update_task(
        pool,
        user_id=user_id,
        task_id=task_id,
        changes=msgspec.to_builtins(update.changes()),
        due_at=None if update.due_at is msgspec.UNSET else update.due_at,
    )
