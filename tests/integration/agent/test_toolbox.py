"""The five task tools against the real database: results, refusals as
`{"error": ...}` results, the bound user, and the record of every call."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from service.agent.toolbox import LIST_LIMIT, TaskToolbox
from service.db.queries import Queries


async def task_row(pool: Any, task_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM tasks WHERE id = $1", task_id)
    return dict(row) if row is not None else None


async def add(toolbox: TaskToolbox, title: str, **fields: Any) -> int:
    result = await toolbox.call("add_task", {"title": title, **fields})
    task_id: int = result["task_id"]
    return task_id


async def test_add_task_stores_the_task_for_the_bound_user(
    toolbox: TaskToolbox, pool: Any, user_id: str
) -> None:
    result = await toolbox.call(
        "add_task",
        {
            "title": "  Buy milk ",
            "description": "oat",
            "priority": "high",
            "due_at": "2026-11-23T10:00:00+02:00",
            "tags": ["shop"],
        },
    )
    assert result == {"task_id": result["task_id"], "status": "created", "title": "Buy milk"}
    row = await task_row(pool, result["task_id"])
    assert row is not None
    assert row["user_id"] == user_id
    assert (row["title"], row["description"], row["priority"], row["tags"]) == (
        "Buy milk",
        "oat",
        "high",
        ["shop"],
    )
    assert row["due_at"].isoformat() == "2026-11-23T08:00:00+00:00"


async def test_list_tasks_returns_json_ready_tasks_oldest_first_and_the_count(
    toolbox: TaskToolbox,
) -> None:
    first = await add(toolbox, "Buy milk", tags=["shop"])
    second = await add(toolbox, "Call mom", priority="high")
    await toolbox.call("complete_task", {"task_id": second})

    everything = await toolbox.call("list_tasks", {})
    assert everything["count"] == 2
    assert [t["id"] for t in everything["tasks"]] == [first, second]
    task = everything["tasks"][0]
    # Only what a model needs (stored and replayed compactly).
    assert set(task) == {"id", "title", "completed", "priority", "due_at", "tags"}
    assert msgspec.json.decode(msgspec.json.encode(everything)) == everything

    pending = await toolbox.call("list_tasks", {"status": "pending"})
    assert [t["title"] for t in pending["tasks"]] == ["Buy milk"]
    assert (await toolbox.call("list_tasks", {"status": "completed"}))["count"] == 1
    assert (await toolbox.call("list_tasks", {"q": "MILK"}))["count"] == 1
    assert (await toolbox.call("list_tasks", {"priority": "high"}))["count"] == 1
    assert (await toolbox.call("list_tasks", {"tag": "shop"}))["count"] == 1
    assert (await toolbox.call("list_tasks", {"tag": "nope"})) == {"tasks": [], "count": 0}


async def test_list_tasks_caps_the_list_but_counts_every_match(
    toolbox: TaskToolbox, pool: Any, user_id: str
) -> None:
    await pool.execute(
        "INSERT INTO tasks (user_id, title) SELECT $1, 't' || n FROM generate_series(1, $2) n",
        user_id,
        LIST_LIMIT + 5,
    )
    result = await toolbox.call("list_tasks", {"status": "all"})
    assert result["count"] == LIST_LIMIT + 5
    assert len(result["tasks"]) == LIST_LIMIT


async def test_complete_task_completes_and_reopens(toolbox: TaskToolbox, pool: Any) -> None:
    task_id = await add(toolbox, "Call mom")

    done = await toolbox.call("complete_task", {"task_id": task_id})
    assert done == {"task_id": task_id, "status": "completed", "title": "Call mom"}
    row = await task_row(pool, task_id)
    assert row is not None
    assert row["completed"] is True
    assert row["completed_at"] is not None

    reopened = await toolbox.call("complete_task", {"task_id": task_id, "completed": False})
    assert reopened == {"task_id": task_id, "status": "reopened", "title": "Call mom"}
    row = await task_row(pool, task_id)
    assert row is not None
    assert (row["completed"], row["completed_at"]) == (False, None)


async def test_delete_task_deletes(toolbox: TaskToolbox, pool: Any) -> None:
    task_id = await add(toolbox, "Old thing")
    result = await toolbox.call("delete_task", {"task_id": task_id})
    assert result == {"task_id": task_id, "status": "deleted", "title": "Old thing"}
    assert await task_row(pool, task_id) is None


async def test_update_task_changes_only_the_given_fields(toolbox: TaskToolbox, pool: Any) -> None:
    task_id = await add(toolbox, "Report", description="draft", tags=["work"])
    result = await toolbox.call(
        "update_task", {"task_id": task_id, "title": "  Final report ", "priority": "medium"}
    )
    assert result == {"task_id": task_id, "status": "updated", "title": "Final report"}
    row = await task_row(pool, task_id)
    assert row is not None
    assert (row["title"], row["priority"], row["description"], row["tags"]) == (
        "Final report",
        "medium",
        "draft",
        ["work"],
    )

    await toolbox.call(
        "update_task",
        {"task_id": task_id, "description": None, "due_at": "2026-12-01T09:00:00Z"},
    )
    row = await task_row(pool, task_id)
    assert row is not None
    assert row["description"] is None
    assert row["due_at"].isoformat() == "2026-12-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("complete_task", {"task_id": 2**62}),
        ("delete_task", {"task_id": 2**62}),
        ("update_task", {"task_id": 2**62, "title": "x"}),
    ],
)
async def test_a_missing_task_is_an_error_result(
    toolbox: TaskToolbox, name: str, arguments: dict[str, Any]
) -> None:
    assert await toolbox.call(name, arguments) == {"error": f"Task #{2**62} was not found."}


@pytest.mark.parametrize(
    ("name", "arguments", "mentions"),
    [
        ("add_task", {}, "title"),
        ("add_task", {"title": ""}, "$.title"),
        ("add_task", {"title": "x" * 201}, "$.title"),
        ("add_task", {"title": "ok", "priority": "urgent"}, "$.priority"),
        ("add_task", {"title": "ok", "due_at": "friday"}, "$.due_at"),
        ("add_task", {"title": "ok", "due_at": "2026-11-23T10:00:00"}, "$.due_at"),
        ("add_task", {"title": "ok", "tags": ["a", "a"]}, "$.tags"),
        ("add_task", {"title": "ok", "user_id": "x"}, "user_id"),
        ("list_tasks", {"status": "open"}, "$.status"),
        ("list_tasks", {"q": "a\x00b"}, "NUL"),
        ("complete_task", {}, "task_id"),
        ("complete_task", {"task_id": 0}, "$.task_id"),
        ("complete_task", {"task_id": "three"}, "$.task_id"),
        ("delete_task", {"task_id": -1}, "$.task_id"),
        ("update_task", {"task_id": 1}, "at least one"),
        ("update_task", {"task_id": 1, "title": "   "}, "$.title"),
        ("update_task", {"task_id": 1, "description": "x" * 2001}, "$.description"),
        ("update_task", {"task_id": 1, "tags": ["t"] * 11}, "$.tags"),
        ("update_task", {"task_id": 1, "completed": True}, "completed"),
    ],
)
async def test_invalid_arguments_are_an_error_result_naming_the_tool_and_field(
    toolbox: TaskToolbox, pool: Any, user_id: str, name: str, arguments: Any, mentions: str
) -> None:
    result = await toolbox.call(name, arguments)
    assert set(result) == {"error"}
    assert result["error"].startswith(f"Invalid arguments for {name}: ")
    assert result["error"].endswith(".")
    assert mentions in result["error"]
    assert await pool.fetchval("SELECT count(*) FROM tasks WHERE user_id = $1", user_id) == 0


async def test_arguments_that_are_not_an_object_are_an_error_result(toolbox: TaskToolbox) -> None:
    result = await toolbox.call("add_task", ["buy milk"])  # type: ignore[arg-type]
    assert result == {"error": "Invalid arguments for add_task: expected a JSON object."}
    assert toolbox.calls[-1].arguments == {}


async def test_lenient_types_a_model_might_send_are_understood(
    toolbox: TaskToolbox, pool: Any
) -> None:
    task_id = await add(toolbox, "Stretch")
    result = await toolbox.call("complete_task", {"task_id": str(task_id), "completed": "true"})
    assert result["status"] == "completed"


async def test_an_unknown_tool_is_an_error_result_listing_the_tools(toolbox: TaskToolbox) -> None:
    result = await toolbox.call("drop_database", {})
    assert "drop_database" in result["error"]
    assert "add_task" in result["error"]
    assert toolbox.calls[-1].name == "drop_database"


async def test_every_call_is_recorded_with_its_arguments_and_result(toolbox: TaskToolbox) -> None:
    added = await toolbox.call("add_task", {"title": "One"})
    missing = await toolbox.call("delete_task", {"task_id": 2**62})
    assert [(c.name, c.arguments, c.result) for c in toolbox.calls] == [
        ("add_task", {"title": "One"}, added),
        ("delete_task", {"task_id": 2**62}, missing),
    ]


async def test_another_users_tasks_are_invisible_and_untouchable(
    pool: Any, queries: Queries, user_id: str
) -> None:
    owner = TaskToolbox(pool, queries, f"{user_id}-owner")
    intruder = TaskToolbox(pool, queries, user_id)
    task_id = await add(owner, "Private", description="secret")

    assert await intruder.call("list_tasks", {}) == {"tasks": [], "count": 0}
    assert await intruder.call("list_tasks", {"q": "Private"}) == {"tasks": [], "count": 0}
    not_found = {"error": f"Task #{task_id} was not found."}
    assert await intruder.call("complete_task", {"task_id": task_id}) == not_found
    assert await intruder.call("update_task", {"task_id": task_id, "title": "Mine"}) == not_found
    assert await intruder.call("delete_task", {"task_id": task_id}) == not_found

    row = await task_row(pool, task_id)
    assert row is not None
    assert (row["title"], row["completed"], row["user_id"]) == (
        "Private",
        False,
        f"{user_id}-owner",
    )
