"""Input that once reached a 500 or poisoned stored data: now a clear 400, nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

OUT_OF_RANGE_TIMES = [
    "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
    "0001-01-01T00:00:00+01:00",  # year 0 in UTC
    "9999-12-31T23:00:00-23:59",
]


async def create(client: httpx.AsyncClient, user_id: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"/api/{user_id}/tasks", json={"title": "t", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("due_at", OUT_OF_RANGE_TIMES)
async def test_an_out_of_range_due_date_on_update_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, user_id: str, method: str, due_at: str
) -> None:
    task = await create(client, user_id, due_at="2026-12-01T09:00:00Z")
    url = f"/api/{user_id}/tasks/{task['id']}"
    response = await client.request(method, url, json={"due_at": due_at, "title": "changed"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    assert response.json()["field"] == "$.due_at"
    assert (await client.get(url)).json() == task
    listed = await client.get(f"/api/{user_id}/tasks")
    assert listed.status_code == 200
    assert listed.json() == [task]


@pytest.mark.parametrize("due_at", OUT_OF_RANGE_TIMES)
async def test_an_out_of_range_due_date_on_create_is_refused(
    client: httpx.AsyncClient, user_id: str, due_at: str
) -> None:
    response = await client.post(f"/api/{user_id}/tasks", json={"title": "t", "due_at": due_at})
    assert response.status_code == 400
    assert response.json()["field"] == "$.due_at"
    assert (await client.get(f"/api/{user_id}/tasks")).json() == []


@pytest.mark.parametrize("name", ["due_before", "due_after"])
@pytest.mark.parametrize("value", OUT_OF_RANGE_TIMES)
async def test_an_out_of_range_time_filter_is_refused(
    client: httpx.AsyncClient, user_id: str, name: str, value: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", params={name: value})
    assert response.status_code == 400
    assert response.json()["field"] == f"$.{name}"


@pytest.mark.parametrize(
    ("due_at", "stored"),
    [
        ("2026-12-01T10:00:00+23:59", "2026-11-30T10:01:00Z"),
        ("2026-12-01T10:00:00-23:59", "2026-12-02T09:59:00Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00.000001Z", "0001-01-01T00:00:00.000001Z"),
        # The driver sends the very first and last instants as -infinity and
        # infinity; they are kept one microsecond inside the range.
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000001Z"),
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00.000001Z"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999998Z"),
        ("0001-01-01T01:00:01+01:00", "0001-01-01T00:00:01Z"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_every_time_in_range_is_stored_and_read_back_in_utc(
    client: httpx.AsyncClient, user_id: str, due_at: str, stored: str, method: str
) -> None:
    if method == "POST":
        task = await create(client, user_id, due_at=due_at)
    else:
        task = await create(client, user_id)
        response = await client.patch(f"/api/{user_id}/tasks/{task['id']}", json={"due_at": due_at})
        assert response.status_code == 200, response.text
        task = response.json()
    assert task["due_at"] == stored
    assert (await client.get(f"/api/{user_id}/tasks/{task['id']}")).json()["due_at"] == stored


@pytest.mark.parametrize("offset", ["+24:00", "-24:00", "+99:00"])
async def test_an_offset_of_a_day_or_more_is_refused(
    client: httpx.AsyncClient, user_id: str, offset: str
) -> None:
    response = await client.post(
        f"/api/{user_id}/tasks", json={"title": "t", "due_at": f"2026-12-01T10:00:00{offset}"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/tasks"),
        ("PATCH", "/tasks/1"),
        ("PUT", "/tasks/1"),
        ("PATCH", "/tasks/1/complete"),
        ("POST", "/chat"),
    ],
)
@pytest.mark.parametrize(
    "body", [b'{"title":"\xff"}', b'{"message":"\xc3("}', b'{"title":"\xed\xa0\x80"}']
)
async def test_a_body_that_is_not_utf_8_is_invalid_json(
    client: httpx.AsyncClient, user_id: str, method: str, path: str, body: bytes
) -> None:
    response = await client.request(
        method,
        f"/api/{user_id}{path}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_JSON"


@pytest.mark.parametrize(
    "query",
    [
        {"priority": "null"},
        {"due_before": "null"},
        {"due_after": "null"},
        {"q": "null", "status": "null"},
        {"tag": "null", "sort": "null"},
        {"limit": "1e2"},
        {"limit": "1.0"},
        {"limit": "true"},
        {"offset": "0.0"},
        {"limit": " 5"},
    ],
)
async def test_a_query_value_that_is_not_of_the_parameters_type_is_refused(
    client: httpx.AsyncClient, user_id: str, query: dict[str, str]
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", params=query)
    if "q" in query:  # "null" is a fine search text; the status is what is refused
        assert response.json()["field"] == "$.status"
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "VALIDATION_ERROR"


async def test_a_null_looking_search_text_is_searched_for(
    client: httpx.AsyncClient, user_id: str
) -> None:
    await create(client, user_id, title="null pointer bug", tags=["null"])
    await create(client, user_id, title="other")
    for params in ({"q": "null"}, {"tag": "null"}):
        response = await client.get(f"/api/{user_id}/tasks", params=params)
        assert [task["title"] for task in response.json()] == ["null pointer bug"]


@pytest.mark.parametrize(
    ("tags", "stored"),
    [(["work", " work", "work\t"], ["work"]), ([" b ", "a", "b"], ["b", "a"])],
)
async def test_tags_equal_after_trimming_are_kept_once(
    client: httpx.AsyncClient, user_id: str, tags: list[str], stored: list[str]
) -> None:
    assert (await create(client, user_id, tags=tags))["tags"] == stored


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/tasks/1", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        ("POST", "/tasks/1", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/tasks", {"GET", "HEAD", "POST"}),
        ("GET", "/tasks/1/complete", {"PATCH"}),
        ("GET", "/chat", {"POST"}),
        ("PUT", "/conversations/1", {"GET", "HEAD", "DELETE"}),
    ],
)
async def test_405_lists_every_method_the_path_allows(
    client: httpx.AsyncClient, user_id: str, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, f"/api/{user_id}{path}")
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
