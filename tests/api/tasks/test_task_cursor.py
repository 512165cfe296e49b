"""Keyset pages: `Link: <...>; rel="next"` and `cursor` (SPEC 5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.server import client_for

NEXT = re.compile(r'<([^>]+)>; rel="next"')


def next_url(response: httpx.Response) -> str | None:
    match = NEXT.fullmatch(response.headers.get("link", ""))
    return match[1] if match else None


async def add(client: httpx.AsyncClient, user_id: str, n: int, **fields: Any) -> int:
    response = await client.post(f"/api/{user_id}/tasks", json={"title": f"task {n:03d}", **fields})
    task_id: int = response.json()["id"]
    return task_id


async def walk(client: httpx.AsyncClient, first: str) -> list[list[int]]:
    pages: list[list[int]] = []
    url: str | None = first
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        pages.append([task["id"] for task in response.json()])
        url = next_url(response)
    return pages


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=pending",
        "?sort=due_at&order=asc",
        "?sort=due_at",
        "?sort=priority&order=asc",
        "?sort=title",
        "?sort=updated_at&order=asc&status=completed",
    ],
)
async def test_following_next_links_gives_every_task_once_in_the_offset_order(
    client: httpx.AsyncClient, user_id: str, query: str
) -> None:
    for n in range(23):
        task_id = await add(
            client,
            user_id,
            n,
            priority=("none", "low", "medium", "high")[n % 4],
            **({"due_at": f"2027-01-{1 + n % 9:02d}T09:00:00Z"} if n % 3 else {}),
        )
        if n % 2:
            await client.patch(f"/api/{user_id}/tasks/{task_id}/complete")
    base = f"/api/{user_id}/tasks{query}"
    everything = (await client.get(base + ("&" if query else "?") + "limit=200")).json()
    pages = await walk(client, base + ("&" if query else "?") + "limit=5")
    assert [task_id for page in pages for task_id in page] == [t["id"] for t in everything]
    assert all(len(page) == 5 for page in pages[:-1])
    assert len(pages) == (len(everything) + 4) // 5 or (everything == [] and pages == [[]])
    assert next_url(await client.get(base)) is None or len(everything) > 50


async def test_pages_stay_right_when_tasks_are_added_and_deleted_between_them(
    client: httpx.AsyncClient, user_id: str
) -> None:
    ids = [await add(client, user_id, n) for n in range(10)]  # newest first in the list
    first = await client.get(f"/api/{user_id}/tasks?limit=4")
    assert [t["id"] for t in first.json()] == ids[::-1][:4]
    await add(client, user_id, 99)  # a new task lands on the first page, not the next
    await client.delete(f"/api/{user_id}/tasks/{ids[5]}")  # one of the next page goes
    url = next_url(first)
    assert url is not None
    rest = await walk(client, url)
    seen = [task_id for page in rest for task_id in page]
    assert seen == [i for i in ids[::-1][4:] if i != ids[5]]
    assert int(first.headers["x-total-count"]) == 10


@pytest.mark.parametrize("cursor", ["nope", "a" * 512, "x" * 600, "!!", ""])
async def test_a_cursor_that_is_not_ours_is_400(
    client: httpx.AsyncClient, user_id: str, cursor: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"


async def test_a_cursor_of_another_list_or_user_or_with_an_offset_is_400(
    client: httpx.AsyncClient,
    user_id: str,
    base_url: str,
    make_token: Callable[..., str],
) -> None:
    for n in range(3):
        await add(client, user_id, n)
    url = next_url(await client.get(f"/api/{user_id}/tasks?limit=1"))
    assert url is not None
    cursor = url.rpartition("cursor=")[2]
    other_list = await client.get(
        f"/api/{user_id}/tasks", params={"cursor": cursor, "sort": "title"}
    )
    assert other_list.status_code == 400
    with_offset = await client.get(f"/api/{user_id}/tasks", params={"cursor": cursor, "offset": 1})
    assert with_offset.status_code == 400
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert (
        await client.get(f"/api/{user_id}/tasks", params={"cursor": tampered})
    ).status_code == 400
    other = f"{user_id}-other"
    async with client_for(base_url, make_token(other)) as theirs:
        response = await theirs.get(f"/api/{other}/tasks", params={"cursor": cursor})
        assert response.status_code == 400


async def test_conversations_page_with_cursors_too(client: httpx.AsyncClient, user_id: str) -> None:
    for n in range(5):
        await client.post(f"/api/{user_id}/chat", json={"message": f"hello {n}"})
    everything = (await client.get(f"/api/{user_id}/conversations")).json()
    pages = []
    url: str | None = f"/api/{user_id}/conversations?limit=2"
    while url is not None:
        response = await client.get(url)
        assert response.headers["x-total-count"] == "5"
        pages.append([c["id"] for c in response.json()])
        url = next_url(response)
    assert [c for page in pages for c in page] == [c["id"] for c in everything]
    assert len(pages) == 3
    bad = await client.get(f"/api/{user_id}/conversations", params={"cursor": "bogus"})
    assert bad.status_code == 400
