"""The conversation API over HTTP: listing, reading, paging messages, deleting,
and the same 404 for other users' conversations as for missing ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.chat import fetch, say
from tests.support.server import client_for


@pytest.fixture
async def others_conversation(base_url: str, make_token: Callable[..., str], user_id: str) -> int:
    """A conversation (with two messages) owned by a different user."""
    other = f"{user_id}-other"
    async with client_for(base_url, make_token(other)) as client:
        reply = await say(client, other, "hello there")
    conversation_id: int = reply["conversation_id"]
    return conversation_id


async def test_the_list_is_most_recently_updated_first_with_a_total(
    client: httpx.AsyncClient, user_id: str
) -> None:
    first = await say(client, user_id, "first conversation")
    second = await say(client, user_id, "second conversation")
    third = await say(client, user_id, "third conversation")
    await say(client, user_id, "back to the first", first["conversation_id"])

    response = await client.get(f"/api/{user_id}/conversations")
    assert response.status_code == 200
    assert response.headers["x-total-count"] == "3"
    listed = response.json()
    assert [c["id"] for c in listed] == [
        first["conversation_id"],
        third["conversation_id"],
        second["conversation_id"],
    ]
    assert [c["title"] for c in listed] == [
        "first conversation",
        "third conversation",
        "second conversation",
    ]
    assert set(listed[0]) == {"id", "title", "created_at", "updated_at"}
    assert listed[0]["updated_at"] > listed[0]["created_at"]


async def test_the_list_pages_with_limit_and_offset(
    client: httpx.AsyncClient, user_id: str
) -> None:
    ids = [(await say(client, user_id, f"chat {n}"))["conversation_id"] for n in range(5)]
    newest_first = ids[::-1]

    page = await client.get(f"/api/{user_id}/conversations", params={"limit": 2, "offset": 1})
    assert [c["id"] for c in page.json()] == newest_first[1:3]
    assert page.headers["x-total-count"] == "5"
    past_the_end = await client.get(f"/api/{user_id}/conversations", params={"offset": 10})
    assert past_the_end.json() == []
    assert past_the_end.headers["x-total-count"] == "5"


async def test_a_user_without_conversations_gets_an_empty_list(
    client: httpx.AsyncClient, user_id: str, others_conversation: int
) -> None:
    response = await client.get(f"/api/{user_id}/conversations")
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"limit": ""},
        {"offset": "-1"},
        {"offset": "1.5"},
        {"sort": "title"},
        [("limit", "1"), ("limit", "2")],
    ],
)
async def test_invalid_list_parameters_are_400(
    client: httpx.AsyncClient, user_id: str, params: Any
) -> None:
    response = await client.get(f"/api/{user_id}/conversations", params=params)
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    assert response.json()["field"]


async def test_one_conversation_is_returned_by_id(client: httpx.AsyncClient, user_id: str) -> None:
    reply = await say(client, user_id, "remind me to stretch")
    response = await client.get(f"/api/{user_id}/conversations/{reply['conversation_id']}")
    assert response.status_code == 200
    conversation = response.json()
    assert conversation["id"] == reply["conversation_id"]
    assert conversation["title"] == "remind me to stretch"
    assert conversation["updated_at"] == reply["timestamp"]


async def test_messages_are_chronological_and_page_backwards_with_before(
    client: httpx.AsyncClient, user_id: str
) -> None:
    conversation_id = (await say(client, user_id, "m0"))["conversation_id"]
    for n in range(1, 4):
        await say(client, user_id, f"m{n}", conversation_id)
    url = f"/api/{user_id}/conversations/{conversation_id}/messages"

    everything = (await client.get(url)).json()
    assert len(everything) == 8
    assert [m["content"] for m in everything if m["role"] == "user"] == ["m0", "m1", "m2", "m3"]
    assert [m["role"] for m in everything] == ["user", "assistant"] * 4
    assert [m["id"] for m in everything] == sorted(m["id"] for m in everything)
    assert set(everything[0]) == {
        "id", "role", "content", "tool_calls", "status", "usage", "created_at",
    }  # fmt: skip
    assert everything[0]["usage"] is None  # the built-in agent calls no model

    latest = (await client.get(url, params={"limit": 3})).json()
    assert latest == everything[-3:]
    older = (await client.get(url, params={"limit": 3, "before": latest[0]["id"]})).json()
    assert older == everything[-6:-3]
    oldest = (await client.get(url, params={"limit": 3, "before": older[0]["id"]})).json()
    assert oldest == everything[:2]
    assert (await client.get(url, params={"before": everything[0]["id"]})).json() == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "x"},
        {"before": "0"},
        {"before": "-5"},
        {"before": "abc"},
        {"before": str(2**63)},
        {"after": "1"},
    ],
)
async def test_invalid_message_parameters_are_400(
    client: httpx.AsyncClient, user_id: str, params: dict[str, str]
) -> None:
    conversation_id = (await say(client, user_id, "hi"))["conversation_id"]
    response = await client.get(
        f"/api/{user_id}/conversations/{conversation_id}/messages", params=params
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"


async def test_deleting_a_conversation_removes_it_and_its_messages(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    reply = await say(client, user_id, "add milk")
    conversation_id = reply["conversation_id"]
    kept = await say(client, user_id, "another chat")

    response = await client.delete(f"/api/{user_id}/conversations/{conversation_id}")
    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(f"/api/{user_id}/conversations/{conversation_id}")
    assert gone.status_code == 404
    assert gone.json()["error_code"] == "CONVERSATION_NOT_FOUND"
    rows = await fetch(
        database_url, "SELECT id FROM messages WHERE conversation_id = $1", conversation_id
    )
    assert rows == []
    again = await client.delete(f"/api/{user_id}/conversations/{conversation_id}")
    assert again.status_code == 404
    # Tasks made in the conversation are the user's, not the conversation's.
    assert [t["title"] for t in (await client.get(f"/api/{user_id}/tasks")).json()] == ["milk"]
    listed = (await client.get(f"/api/{user_id}/conversations")).json()
    assert [c["id"] for c in listed] == [kept["conversation_id"]]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/messages"), ("DELETE", "")],
)
async def test_another_users_conversation_is_404_and_untouched(
    client: httpx.AsyncClient,
    user_id: str,
    others_conversation: int,
    database_url: str,
    method: str,
    suffix: str,
) -> None:
    response = await client.request(
        method, f"/api/{user_id}/conversations/{others_conversation}{suffix}"
    )
    assert response.status_code == 404
    assert response.json()["error_code"] == "CONVERSATION_NOT_FOUND"
    rows = await fetch(
        database_url, "SELECT id FROM messages WHERE conversation_id = $1", others_conversation
    )
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/messages"), ("DELETE", "")],
)
@pytest.mark.parametrize(
    ("raw_id", "status"),
    [("999999999999", 404), (str(2**63), 404), ("0", 404), ("abc", 400), ("-1", 400)],
)
async def test_unknown_or_malformed_conversation_ids(
    client: httpx.AsyncClient,
    user_id: str,
    method: str,
    suffix: str,
    raw_id: str,
    status: int,
) -> None:
    response = await client.request(method, f"/api/{user_id}/conversations/{raw_id}{suffix}")
    assert response.status_code == status
    expected = "CONVERSATION_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    assert response.json()["error_code"] == expected


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/1"), ("GET", "/1/messages"), ("DELETE", "/1")],
)
async def test_another_users_path_is_403_and_no_token_is_401(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    user_id: str,
    method: str,
    suffix: str,
) -> None:
    forbidden = await client.request(method, f"/api/{user_id}-other/conversations{suffix}")
    assert forbidden.status_code == 403
    assert forbidden.json()["error_code"] == "FORBIDDEN"
    anonymous_response = await anonymous.request(method, f"/api/{user_id}/conversations{suffix}")
    assert anonymous_response.status_code == 401
    assert anonymous_response.json()["error_code"] == "AUTH_REQUIRED"
