"""The task API over HTTP: every route, its happy path and its refusals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


async def create(client: httpx.AsyncClient, user_id: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"/api/{user_id}/tasks", json={"title": "Buy milk", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def test_create_returns_the_stored_task_with_location(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        f"/api/{user_id}/tasks",
        json={
            "title": "  Buy milk  ",
            "description": "2 litres",
            "priority": "high",
            "due_at": "2026-11-23T10:00:00+02:00",
            "tags": ["home", "shop"],
        },
    )
    assert response.status_code == 201
    task = response.json()
    assert response.headers["location"] == f"/api/{user_id}/tasks/{task['id']}"
    assert task["title"] == "Buy milk"
    assert task["user_id"] == user_id
    assert task["description"] == "2 litres"
    assert task["priority"] == "high"
    assert task["due_at"] == "2026-11-23T08:00:00Z"
    assert task["tags"] == ["home", "shop"]
    assert task["completed"] is False
    assert task["completed_at"] is None
    assert task["created_at"] == task["updated_at"]
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == task


async def test_create_applies_defaults(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id)
    assert task["priority"] == "none"
    assert task["tags"] == []
    assert task["description"] is None
    assert task["due_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "$.title"),
        ({"title": ""}, "$.title"),
        ({"title": "   "}, "$.title"),
        ({"title": "x" * 201}, "$.title"),
        ({"title": 5}, "$.title"),
        ({"title": None}, "$.title"),
        ({"title": "a\u0000b"}, "$.title"),
        ({"title": "ok", "description": "x" * 2001}, "$.description"),
        ({"title": "ok", "description": "nul\u0000"}, "$.description"),
        ({"title": "ok", "priority": "urgent"}, "$.priority"),
        ({"title": "ok", "due_at": "tomorrow"}, "$.due_at"),
        ({"title": "ok", "due_at": "2026-11-23T10:00:00"}, "$.due_at"),
        ({"title": "ok", "tags": ["a"] * 2}, "$.tags"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(11)]}, "$.tags"),
        ({"title": "ok", "tags": [""]}, "$.tags[0]"),
        ({"title": "ok", "tags": ["x" * 33]}, "$.tags[0]"),
        ({"title": "ok", "tags": "work"}, "$.tags"),
        ({"title": "ok", "completed": True}, "$.completed"),
        ({"title": "ok", "user_id": "someone-else"}, "$.user_id"),
    ],
)
async def test_create_rejects_invalid_fields_and_stores_nothing(
    client: httpx.AsyncClient, user_id: str, body: dict[str, Any], field: str | None
) -> None:
    response = await client.post(f"/api/{user_id}/tasks", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["error_code"] == "VALIDATION_ERROR"
    assert error["detail"]
    if field is not None:
        assert error["field"] == field
    listing = await client.get(f"/api/{user_id}/tasks")
    assert listing.json() == []


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"title": "x"', b"\xff\xfe"])
async def test_malformed_json_is_invalid_json(
    client: httpx.AsyncClient, user_id: str, raw: bytes
) -> None:
    response = await client.post(
        f"/api/{user_id}/tasks", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_JSON"


async def test_a_json_array_body_is_a_validation_error(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(f"/api/{user_id}/tasks", json=[{"title": "x"}])
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_non_json_content_type_is_415(
    client: httpx.AsyncClient, user_id: str, content_type: str
) -> None:
    response = await client.post(
        f"/api/{user_id}/tasks",
        content=b'{"title": "x"}',
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 415
    assert response.json()["error_code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_oversized_body_is_413(client: httpx.AsyncClient, user_id: str) -> None:
    body = b'{"title": "x", "description": "' + b"a" * 70_000 + b'"}'
    response = await client.post(
        f"/api/{user_id}/tasks", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error_code"] == "PAYLOAD_TOO_LARGE"


async def test_oversized_chunked_body_is_413_and_stores_nothing(
    client: httpx.AsyncClient, user_id: str
) -> None:
    async def chunks() -> Any:
        yield b'{"title": "x", "description": "'
        for _ in range(20):
            yield b"a" * 4096
        yield b'"}'

    response = await client.post(
        f"/api/{user_id}/tasks", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert (await client.get(f"/api/{user_id}/tasks")).json() == []


async def test_get_missing_task_is_404(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/api/{user_id}/tasks/999999999")
    assert response.status_code == 404
    assert response.json()["error_code"] == "TASK_NOT_FOUND"


@pytest.mark.parametrize("task_id", ["abc", "-1", "1.5", "١"])
async def test_non_numeric_task_id_is_a_validation_error(
    client: httpx.AsyncClient, user_id: str, task_id: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks/{task_id}")
    assert response.status_code == 400
    assert response.json()["field"] == "task_id"


@pytest.mark.parametrize("task_id", ["0", str(2**63), "9" * 40])
async def test_out_of_range_task_id_is_404(
    client: httpx.AsyncClient, user_id: str, task_id: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks/{task_id}")
    assert response.status_code == 404


async def test_update_changes_only_given_fields(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id, description="old", due_at="2026-12-01T09:00:00Z")
    response = await client.patch(
        f"/api/{user_id}/tasks/{task['id']}", json={"title": " New ", "description": None}
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == "New"
    assert updated["description"] is None
    assert updated["due_at"] == "2026-12-01T09:00:00Z"
    assert updated["updated_at"] > task["updated_at"]


async def test_put_behaves_like_patch(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id, due_at="2026-12-01T09:00:00Z", tags=["a"])
    response = await client.put(
        f"/api/{user_id}/tasks/{task['id']}",
        json={"due_at": None, "tags": ["b", "c"], "priority": "low"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["due_at"], body["tags"], body["priority"]) == (None, ["b", "c"], "low")
    assert body["title"] == "Buy milk"


async def test_update_completed_sets_and_clears_completed_at(
    client: httpx.AsyncClient, user_id: str
) -> None:
    task = await create(client, user_id)
    done = (
        await client.patch(f"/api/{user_id}/tasks/{task['id']}", json={"completed": True})
    ).json()
    assert done["completed"] is True
    assert done["completed_at"] is not None
    reopened = (
        await client.patch(f"/api/{user_id}/tasks/{task['id']}", json={"completed": False})
    ).json()
    assert reopened["completed"] is False
    assert reopened["completed_at"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": None}, {"completed": "yes"}, {"unknown": 1}, {"priority": None}],
)
async def test_invalid_update_is_400_and_changes_nothing(
    client: httpx.AsyncClient, user_id: str, body: dict[str, Any]
) -> None:
    task = await create(client, user_id)
    response = await client.patch(f"/api/{user_id}/tasks/{task['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    assert (await client.get(f"/api/{user_id}/tasks/{task['id']}")).json() == task


async def test_complete_without_body_toggles(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id)
    url = f"/api/{user_id}/tasks/{task['id']}/complete"
    first = (await client.patch(url)).json()
    assert first["completed"] is True
    assert first["completed_at"] is not None
    second = (await client.patch(url)).json()
    assert second["completed"] is False
    assert second["completed_at"] is None


async def test_complete_with_body_sets_the_state(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id)
    url = f"/api/{user_id}/tasks/{task['id']}/complete"
    for _ in range(2):  # setting twice is idempotent, unlike the toggle
        response = await client.patch(url, json={"completed": True})
        assert response.json()["completed"] is True
    invalid = await client.patch(url, json={"completed": 1})
    assert invalid.status_code == 400


async def test_complete_missing_task_is_404(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.patch(f"/api/{user_id}/tasks/987654321/complete")
    assert response.status_code == 404
    assert response.json()["error_code"] == "TASK_NOT_FOUND"


async def test_delete_removes_the_task(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, user_id)
    response = await client.delete(f"/api/{user_id}/tasks/{task['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/api/{user_id}/tasks/{task['id']}")).status_code == 404
    again = await client.delete(f"/api/{user_id}/tasks/{task['id']}")
    assert again.status_code == 404


async def test_wrong_method_is_405_in_spec_shape(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.post(f"/api/{user_id}/tasks/1")
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"


async def test_unknown_route_is_404_in_spec_shape(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/api/{user_id}/nothing-here")
    assert response.status_code == 404
    assert response.json()["error_code"] == "NOT_FOUND"
