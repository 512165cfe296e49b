"""Another user's tasks are invisible: the same 404 as a task that never existed."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest


@pytest.fixture
async def others_task_id(base_url: str, make_token: Callable[..., str]) -> int:
    """A task owned by a different user."""
    other = "someone-else-entirely"
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post(
            f"/api/{other}/tasks",
            json={"title": "Private"},
            headers={"Authorization": f"Bearer {make_token(other)}"},
        )
    task_id: int = response.json()["id"]
    return task_id


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "Mine now"}),
        ("PUT", "", {"completed": True}),
        ("PATCH", "/complete", None),
        ("DELETE", "", None),
    ],
)
async def test_another_users_task_is_not_found_and_untouched(
    client: httpx.AsyncClient,
    user_id: str,
    others_task_id: int,
    base_url: str,
    make_token: Callable[..., str],
    method: str,
    suffix: str,
    body: dict[str, object] | None,
) -> None:
    url = f"/api/{user_id}/tasks/{others_task_id}{suffix}"
    response = await client.request(method, url, json=body)
    assert response.status_code == 404
    assert response.json()["error_code"] == "TASK_NOT_FOUND"

    owner = "someone-else-entirely"
    async with httpx.AsyncClient(base_url=base_url) as owner_client:
        task = (
            await owner_client.get(
                f"/api/{owner}/tasks/{others_task_id}",
                headers={"Authorization": f"Bearer {make_token(owner)}"},
            )
        ).json()
    assert task["title"] == "Private"
    assert task["completed"] is False


async def test_listing_shows_only_own_tasks(
    client: httpx.AsyncClient, user_id: str, others_task_id: int
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", params={"q": "Private"})
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"


async def test_own_token_on_another_users_path_is_403(
    client: httpx.AsyncClient, others_task_id: int
) -> None:
    response = await client.get(f"/api/someone-else-entirely/tasks/{others_task_id}")
    assert response.status_code == 403
    assert response.json()["error_code"] == "FORBIDDEN"


async def test_no_token_is_401_before_anything_else(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/api/anyone/tasks", content=b"not json")
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTH_REQUIRED"
    assert response.headers["www-authenticate"] == "Bearer"
