"""Every list statement walks an index from where the page starts (SPEC 5).

A user with thousands of tasks (among other users' rows) and `EXPLAIN` of each
statement `list_tasks` is made into: the page must come from an index scan of
the user's rows in list order, never a sequential scan or a sort of the whole
history, for the default, pending and due-date lists and every sort; the total
of a list filtered by status alone is one row of `task_counts`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from service.tasks import listing
from service.tasks.contracts import TaskListQuery

USER = "plan-user"
SORTS = ("created_at", "updated_at", "due_at", "priority", "title")
STATUSES = ("all", "pending", "completed")


@pytest.fixture(scope="module")
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    await conn.execute(
        """
        INSERT INTO tasks (user_id, title, priority, due_at, completed, completed_at)
        SELECT $1, 'task ' || n, (ARRAY['none','low','medium','high'])[1 + n % 4],
               CASE WHEN n % 3 = 0 THEN NULL ELSE now() + n * interval '1 hour' END,
               n % 2 = 0, CASE WHEN n % 2 = 0 THEN now() END
        FROM generate_series(1, 6000) AS n
        """,
        USER,
    )
    await conn.execute(
        """
        INSERT INTO tasks (user_id, title)
        SELECT 'other-' || (n % 200), 'other ' || n FROM generate_series(1, 20000) AS n
        """
    )
    await conn.execute("ANALYZE tasks")
    try:
        yield conn
    finally:
        await conn.execute("DELETE FROM tasks WHERE user_id = $1 OR user_id LIKE 'other-%'", USER)
        await conn.close()


def variants() -> Iterator[Any]:
    for sort in SORTS:
        for order in ("asc", "desc"):
            for status in STATUSES:
                for after in (False, True):
                    yield pytest.param(
                        sort, order, status, after, id=f"{sort}-{order}-{status}-{after}"
                    )


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def cursor_key(sort: str) -> Any:
    if sort == "priority":
        return 2
    if sort == "title":
        return "task 3000"
    return dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(("sort", "order", "status", "after"), list(variants()))
async def test_a_page_is_an_index_walk_never_a_scan_or_sort_of_the_history(
    conn: asyncpg.Connection, queries: Any, sort: str, order: str, status: str, after: bool
) -> None:
    query = TaskListQuery(sort=sort, order=order, status=status)  # type: ignore[arg-type]
    statement = queries.variant(
        "list_tasks",
        listing.variant_key(sort, order, status, after=after),
        listing.fill(sort, order, status, after),
    )
    values = {
        "user_id": USER,
        "q": None,
        "priority": None,
        "tag": None,
        "due_before": None,
        "due_after": None,
        "limit": query.limit,
        "offset": 0,
        "after_key": cursor_key(sort) if after else None,
        "after_id": 3000 if after else None,
    }
    # A generic plan is what PostgreSQL settles on for a cached statement.
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    try:
        prepared = await conn.prepare(f"EXPLAIN (FORMAT JSON) {statement.sql}")
        [[raw]] = await prepared.fetch(*statement.arguments(values))
    finally:
        await conn.execute("RESET plan_cache_mode")
    plan = json.loads(raw)[0]["Plan"]
    on_tasks = [n for n in nodes(plan) if n.get("Relation Name") == "tasks"]
    assert not [n for n in on_tasks if n["Node Type"] == "Seq Scan"], plan
    counted = [n for n in nodes(plan) if n.get("Relation Name") == "task_counts"]
    assert counted, plan  # the total of a status-only list is its counter row
    if status == "completed":
        return  # most of a history: no index of its own, but never a full scan
    page_scans = [
        n for n in on_tasks if "Index Name" in n and n["Node Type"] != "Bitmap Index Scan"
    ]
    assert page_scans, plan
    for limit in (n for n in nodes(plan) if n["Node Type"] == "Limit"):
        assert not [n for n in nodes(limit) if n["Node Type"] in ("Sort", "Incremental Sort")], plan
