"""GET /api/{user_id}/tasks: filters, sorting, paging and refusals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
async def seeded(client: httpx.AsyncClient, user_id: str) -> list[dict[str, Any]]:
    """Five tasks with varied fields, created in this order."""
    bodies = [
        {
            "title": "Buy milk",
            "priority": "low",
            "tags": ["home"],
            "due_at": "2026-12-03T09:00:00Z",
        },
        {
            "title": "Write report",
            "description": "Quarterly MILK figures",
            "priority": "high",
            "tags": ["work"],
            "due_at": "2026-12-01T09:00:00Z",
        },
        {"title": "call mom", "priority": "medium", "tags": ["home", "family"]},
        {"title": "Pay rent", "priority": "high", "due_at": "2026-11-30T09:00:00Z"},
        {"title": "archive mail", "tags": ["work"]},
    ]
    tasks = []
    for body in bodies:
        response = await client.post(f"/api/{user_id}/tasks", json=body)
        assert response.status_code == 201
        tasks.append(response.json())
    done = await client.patch(f"/api/{user_id}/tasks/{tasks[3]['id']}/complete")
    tasks[3] = done.json()
    return tasks


async def titles(client: httpx.AsyncClient, user_id: str, **params: Any) -> list[str]:
    response = await client.get(f"/api/{user_id}/tasks", params=params)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()]


async def test_default_is_all_tasks_newest_first(
    client: httpx.AsyncClient, user_id: str, seeded: list[dict[str, Any]]
) -> None:
    response = await client.get(f"/api/{user_id}/tasks")
    assert [t["id"] for t in response.json()] == [t["id"] for t in reversed(seeded)]
    assert response.headers["x-total-count"] == "5"


async def test_status_filters(client: httpx.AsyncClient, user_id: str, seeded: Any) -> None:
    assert await titles(client, user_id, status="completed") == ["Pay rent"]
    assert "Pay rent" not in await titles(client, user_id, status="pending")
    assert len(await titles(client, user_id, status="pending")) == 4


async def test_q_matches_title_or_description_case_insensitively(
    client: httpx.AsyncClient, user_id: str, seeded: Any
) -> None:
    assert sorted(await titles(client, user_id, q="milk")) == ["Buy milk", "Write report"]
    assert await titles(client, user_id, q="MOM") == ["call mom"]
    assert await titles(client, user_id, q="%") == []
    assert await titles(client, user_id, q="_") == []


async def test_priority_and_tag_filters(
    client: httpx.AsyncClient, user_id: str, seeded: Any
) -> None:
    assert sorted(await titles(client, user_id, priority="high")) == ["Pay rent", "Write report"]
    assert sorted(await titles(client, user_id, tag="home")) == ["Buy milk", "call mom"]
    assert await titles(client, user_id, tag="family", priority="medium") == ["call mom"]
    assert await titles(client, user_id, tag="nope") == []


async def test_due_window_filters(client: httpx.AsyncClient, user_id: str, seeded: Any) -> None:
    before = await titles(client, user_id, due_before="2026-12-02T00:00:00Z")
    assert sorted(before) == ["Pay rent", "Write report"]
    after = await titles(client, user_id, due_after="2026-12-01T09:00:00+00:00")
    assert after == ["Buy milk"]


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("title", "asc", ["archive mail", "Buy milk", "call mom", "Pay rent", "Write report"]),
        ("title", "desc", ["Write report", "Pay rent", "call mom", "Buy milk", "archive mail"]),
        ("due_at", "asc", ["Pay rent", "Write report", "Buy milk", "call mom", "archive mail"]),
        ("due_at", "desc", ["Buy milk", "Write report", "Pay rent", "archive mail", "call mom"]),
        ("priority", "desc", ["Pay rent", "Write report", "call mom", "Buy milk", "archive mail"]),
        ("created_at", "asc", ["Buy milk", "Write report", "call mom", "Pay rent", "archive mail"]),
    ],
)
async def test_sorting(
    client: httpx.AsyncClient,
    user_id: str,
    seeded: Any,
    sort: str,
    order: str,
    expected: list[str],
) -> None:
    assert await titles(client, user_id, sort=sort, order=order) == expected


async def test_updated_at_sort_puts_the_latest_change_first(
    client: httpx.AsyncClient, user_id: str, seeded: list[dict[str, Any]]
) -> None:
    await client.patch(f"/api/{user_id}/tasks/{seeded[0]['id']}", json={"priority": "high"})
    assert (await titles(client, user_id, sort="updated_at"))[0] == "Buy milk"


async def test_paging_keeps_the_total_and_never_overlaps(
    client: httpx.AsyncClient, user_id: str, seeded: Any
) -> None:
    seen: list[str] = []
    for offset in range(0, 6, 2):
        response = await client.get(
            f"/api/{user_id}/tasks", params={"limit": 2, "offset": offset, "sort": "title"}
        )
        assert response.headers["x-total-count"] == "5"
        seen += [t["title"] for t in response.json()]
    assert len(seen) == len(set(seen)) == 5
    past_the_end = await client.get(f"/api/{user_id}/tasks", params={"offset": 50})
    assert past_the_end.json() == []
    assert past_the_end.headers["x-total-count"] == "5"


async def test_empty_list_has_zero_total(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/api/{user_id}/tasks")
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "$.status"),
        ({"priority": "urgent"}, "$.priority"),
        ({"sort": "id"}, "$.sort"),
        ({"order": "up"}, "$.order"),
        ({"limit": "0"}, "$.limit"),
        ({"limit": "201"}, "$.limit"),
        ({"limit": "ten"}, "$.limit"),
        ({"offset": "-1"}, "$.offset"),
        ({"due_before": "yesterday"}, "$.due_before"),
        ({"due_after": "2026-12-01T00:00:00"}, "$.due_after"),
        ({"q": ""}, "$.q"),
        ({"q": "a\x00b"}, "$.q"),
        ({"colour": "red"}, "$.colour"),
    ],
)
async def test_invalid_query_parameters_are_400(
    client: httpx.AsyncClient, user_id: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["field"] == field


async def test_a_repeated_query_parameter_is_400(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/api/{user_id}/tasks?status=all&status=pending")
    assert response.status_code == 400
    assert response.json()["field"] == "$.status"
