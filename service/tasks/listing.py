"""Pages of a user's tasks whose cost does not grow with the user's history.

`sql/tasks.sql` holds one template, `list_tasks`; a page is read with the
statement made of it for its sort, direction, status and paging (`variant`),
so each shape has a plan of its own that walks the matching index
(migrations/0005) from where the page starts. Offsets still work; a `cursor`
(`encode_cursor`, from the last row of a page) starts the next page at that
row's key, so deep pages cost what the first one costs.

Cursors are `service.http.cursor`'s: opaque, signed, bound to the list and user.
"""

from __future__ import annotations

import functools
from typing import Any

PRIORITY_RANK = "array_position('{none,low,medium,high}'::text[], priority)"
# The key each sort orders by (ties broken by id), and its PostgreSQL type.
# Tasks without a due date come last in both directions.
_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("created_at", "asc"): ("created_at", "timestamptz"),
    ("created_at", "desc"): ("created_at", "timestamptz"),
    ("updated_at", "asc"): ("updated_at", "timestamptz"),
    ("updated_at", "desc"): ("updated_at", "timestamptz"),
    ("due_at", "asc"): ("coalesce(due_at, 'infinity'::timestamptz)", "timestamptz"),
    ("due_at", "desc"): ("coalesce(due_at, '-infinity'::timestamptz)", "timestamptz"),
    ("priority", "asc"): (PRIORITY_RANK, "int"),
    ("priority", "desc"): (PRIORITY_RANK, "int"),
    ("title", "asc"): ("lower(title)", "text"),
    ("title", "desc"): ("lower(title)", "text"),
}
_STATUS = {"all": "", "pending": "AND NOT completed", "completed": "AND completed"}
_COUNTER = {"all": "total", "pending": "total - completed", "completed": "completed"}


def variant_key(sort: str, order: str, status: str, *, after: bool) -> str:
    """The name suffix of the statement for this shape of list."""
    return f"{sort}_{order}_{status}{'_after' if after else ''}"


@functools.cache
def fill(sort: str, order: str, status: str, after: bool) -> Any:
    """The function that turns the template into this shape's statement."""
    key, key_type = _KEYS[(sort, order)]
    direction = "DESC" if order == "desc" else "ASC"
    comparison = "<" if order == "desc" else ">"

    def filled(template: str) -> str:
        lines = []
        for line in template.splitlines():
            if line.rstrip().endswith("-- /*after*/"):
                indent = line[: len(line) - len(line.lstrip())]
                line = (
                    f"{indent}AND ({key}, id) {comparison} ($9::{key_type}, $10::bigint)"
                    if after
                    else line.replace(" -- /*after*/", "")
                )
            lines.append(line)
        return (
            "\n".join(lines)
            .replace("/*keytype*/", key_type)
            .replace("/*key*/", key)
            .replace("/*dir*/", direction)
            .replace("/*status*/", _STATUS[status])
            .replace("/*counter*/", _COUNTER[status])
        )

    return filled
