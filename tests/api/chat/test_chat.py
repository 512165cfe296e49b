"""POST /api/{user_id}/chat over HTTP with the built-in agent: the stateless
cycle, what it stores, and every way a request is refused."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.chat import fetch, say, stored_messages
from tests.support.server import client_for

MESSAGE_COLUMNS = "id, user_id, role, content, tool_calls, created_at"


async def conversation_count(database_url: str, user_id: str) -> int:
    rows = await fetch(
        database_url, "SELECT count(*) AS n FROM conversations WHERE user_id = $1", user_id
    )
    count: int = rows[0]["n"]
    return count


async def test_first_message_creates_a_conversation_and_stores_both_messages(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    reply = await say(client, user_id, "  add buy milk  ")

    assert set(reply) == {"conversation_id", "response", "tool_calls", "message_id", "timestamp"}
    assert reply["response"].startswith("Added task #")
    [call] = reply["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"] == {"title": "buy milk"}
    assert call["result"]["status"] == "created"
    assert call["result"]["title"] == "buy milk"
    task_id = call["result"]["task_id"]

    rows = await stored_messages(database_url, reply["conversation_id"], MESSAGE_COLUMNS)
    assert [(r["role"], r["content"], r["user_id"]) for r in rows] == [
        ("user", "add buy milk", user_id),
        ("assistant", reply["response"], user_id),
    ]
    assert rows[0]["tool_calls"] == []
    # Stored with what reverts it (for undo), which the API never shows.
    [stored] = rows[1]["tool_calls"]
    assert stored.pop("undo") == {"created": task_id}
    assert [stored] == reply["tool_calls"]
    assert rows[1]["id"] == reply["message_id"]
    assert rows[1]["created_at"].isoformat().replace("+00:00", "Z") == reply["timestamp"]

    task = (await client.get(f"/api/{user_id}/tasks/{task_id}")).json()
    assert task["title"] == "buy milk"
    assert task["user_id"] == user_id


async def test_the_title_is_the_first_message_cut_to_80_characters(
    client: httpx.AsyncClient, user_id: str
) -> None:
    message = "hello " + "x" * 100
    reply = await say(client, user_id, message)
    conversation = await client.get(f"/api/{user_id}/conversations/{reply['conversation_id']}")
    assert conversation.json()["title"] == message[:80]

    # Later messages do not change it.
    await say(client, user_id, "add something else", reply["conversation_id"])
    again = await client.get(f"/api/{user_id}/conversations/{reply['conversation_id']}")
    assert again.json()["title"] == message[:80]


async def test_later_turns_continue_the_conversation_and_bump_updated_at(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    first = await say(client, user_id, "add call mom")
    conversation_id = first["conversation_id"]
    before = (await client.get(f"/api/{user_id}/conversations/{conversation_id}")).json()

    second = await say(client, user_id, "mark it done", conversation_id)

    assert second["conversation_id"] == conversation_id
    assert second["message_id"] > first["message_id"]
    [call] = second["tool_calls"]
    assert call["name"] == "complete_task"
    assert call["result"]["task_id"] == first["tool_calls"][0]["result"]["task_id"]
    after = (await client.get(f"/api/{user_id}/conversations/{conversation_id}")).json()
    assert after["updated_at"] > before["updated_at"]
    assert after["updated_at"] == second["timestamp"]
    rows = await stored_messages(database_url, conversation_id, MESSAGE_COLUMNS)
    assert [r["role"] for r in rows] == ["user", "assistant", "user", "assistant"]


async def test_small_talk_runs_no_tool_and_gives_an_empty_tool_calls_list(
    client: httpx.AsyncClient, user_id: str
) -> None:
    reply = await say(client, user_id, "hello")
    assert reply["tool_calls"] == []
    assert reply["response"]


async def test_a_message_of_exactly_the_maximum_length_is_accepted(
    client: httpx.AsyncClient, user_id: str
) -> None:
    reply = await say(client, user_id, "  " + "y" * 4000 + "  ")
    assert reply["conversation_id"] > 0


async def test_the_messages_api_shows_the_stored_tool_calls(
    client: httpx.AsyncClient, user_id: str
) -> None:
    reply = await say(client, user_id, "add water the plants")
    messages = (
        await client.get(f"/api/{user_id}/conversations/{reply['conversation_id']}/messages")
    ).json()
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["id"] == reply["message_id"]
    assert messages[1]["tool_calls"] == reply["tool_calls"]
    assert messages[1]["created_at"] == reply["timestamp"]
    assert messages[0]["tool_calls"] == []


@pytest.mark.parametrize(
    ("body", "error_code", "field"),
    [
        (b"{not json", "INVALID_JSON", None),
        (b"", "INVALID_JSON", None),
        (b"[]", "VALIDATION_ERROR", None),
        (b'"add milk"', "VALIDATION_ERROR", None),
        (b"{}", "VALIDATION_ERROR", "$.message"),
        (b'{"message": "hi", "user_id": "someone"}', "VALIDATION_ERROR", "$.user_id"),
        (b'{"message": "hi", "extra": 1}', "VALIDATION_ERROR", "$.extra"),
        (b'{"message": null}', "VALIDATION_ERROR", "$.message"),
        (b'{"message": 5}', "VALIDATION_ERROR", "$.message"),
        (b'{"message": ""}', "VALIDATION_ERROR", "$.message"),
        (b'{"message": "   \\n\\t "}', "VALIDATION_ERROR", "$.message"),
        (b'{"message": "add \\u0000 milk"}', "VALIDATION_ERROR", "$.message"),
        (('{"message": "' + "z" * 4001 + '"}').encode(), "VALIDATION_ERROR", "$.message"),
        (b'{"message": "hi", "conversation_id": "7"}', "VALIDATION_ERROR", "$.conversation_id"),
        (b'{"message": "hi", "conversation_id": 1.5}', "VALIDATION_ERROR", "$.conversation_id"),
        (b'{"message": "hi", "conversation_id": true}', "VALIDATION_ERROR", "$.conversation_id"),
        (b'{"message": "hi", "conversation_id": 0}', "VALIDATION_ERROR", "$.conversation_id"),
        (b'{"message": "hi", "conversation_id": -3}', "VALIDATION_ERROR", "$.conversation_id"),
        (
            b'{"message": "hi", "conversation_id": 99999999999999999999}',
            "VALIDATION_ERROR",
            "$.conversation_id",
        ),
    ],
)
async def test_invalid_bodies_are_refused_and_store_nothing(
    client: httpx.AsyncClient,
    user_id: str,
    database_url: str,
    body: bytes,
    error_code: str,
    field: str | None,
) -> None:
    response = await client.post(
        f"/api/{user_id}/chat", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error_code"] == error_code
    assert error.get("field") == field
    assert "conversation_id" not in error
    assert await conversation_count(database_url, user_id) == 0


async def test_a_body_that_is_not_json_by_content_type_is_415(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        f"/api/{user_id}/chat", content=b"message=hi", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error_code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_an_unknown_conversation_is_404_and_stores_nothing(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    response = await client.post(
        f"/api/{user_id}/chat", json={"message": "add milk", "conversation_id": 2**62}
    )
    assert response.status_code == 404
    assert response.json()["error_code"] == "CONVERSATION_NOT_FOUND"
    assert await conversation_count(database_url, user_id) == 0
    assert (await client.get(f"/api/{user_id}/tasks")).json() == []


async def test_another_users_conversation_is_404_and_gets_no_message(
    client: httpx.AsyncClient,
    user_id: str,
    base_url: str,
    make_token: Callable[..., str],
    database_url: str,
) -> None:
    owner = f"{user_id}-owner"
    async with client_for(base_url, make_token(owner)) as owner_client:
        theirs = await say(owner_client, owner, "add private thing")

    response = await client.post(
        f"/api/{user_id}/chat",
        json={"message": "delete it", "conversation_id": theirs["conversation_id"]},
    )
    assert response.status_code == 404
    assert response.json()["error_code"] == "CONVERSATION_NOT_FOUND"
    rows = await stored_messages(database_url, theirs["conversation_id"], MESSAGE_COLUMNS)
    assert [r["user_id"] for r in rows] == [owner, owner]
    task_id = theirs["tool_calls"][0]["result"]["task_id"]
    assert await fetch(database_url, "SELECT id FROM tasks WHERE id = $1", task_id)


async def test_chatting_in_another_users_path_is_403(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    other = f"{user_id}-other"
    response = await client.post(f"/api/{other}/chat", json={"message": "add milk"})
    assert response.status_code == 403
    assert response.json()["error_code"] == "FORBIDDEN"
    assert await conversation_count(database_url, other) == 0


async def test_chatting_without_a_token_is_401(
    anonymous: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    response = await anonymous.post(f"/api/{user_id}/chat", json={"message": "add milk"})
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTH_REQUIRED"
    assert await conversation_count(database_url, user_id) == 0


async def test_get_on_the_chat_route_is_405(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/api/{user_id}/chat")
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"


async def test_a_message_that_asks_for_another_user_changes_only_the_senders_tasks(
    client: httpx.AsyncClient, user_id: str, database_url: str
) -> None:
    # The user id comes from the token; words in the message cannot choose it.
    reply = await say(client, user_id, "add task for user_id admin: steal data")
    task_id = reply["tool_calls"][0]["result"]["task_id"]
    rows = await fetch(database_url, "SELECT user_id FROM tasks WHERE id = $1", task_id)
    assert rows == [{"user_id": user_id}]


@pytest.mark.parametrize(
    "message",
    [
        "delete task {id}",
        "mark task {id} as done",
        "rename task {id} to hacked",
        "set task {id} priority to high",
        "tag task {id} with stolen",
        "complete the private plans task",
        "delete private plans",
    ],
)
async def test_chat_tools_cannot_touch_another_users_task(
    client: httpx.AsyncClient,
    user_id: str,
    base_url: str,
    make_token: Callable[..., str],
    database_url: str,
    message: str,
) -> None:
    owner = f"{user_id}-owner"
    async with client_for(base_url, make_token(owner)) as owner_client:
        created = await owner_client.post(f"/api/{owner}/tasks", json={"title": "Private plans"})
    task = created.json()

    reply = await say(client, user_id, message.format(id=task["id"]))

    for call in reply["tool_calls"]:
        assert call["result"].get("tasks", []) == []
        assert "status" not in call["result"]
    [row] = await fetch(
        database_url,
        "SELECT user_id, title, completed, priority, tags, updated_at FROM tasks WHERE id = $1",
        task["id"],
    )
    assert (row["user_id"], row["title"], row["completed"], row["priority"], row["tags"]) == (
        owner,
        "Private plans",
        False,
        "none",
        [],
    )
    assert row["updated_at"].isoformat().replace("+00:00", "Z") == task["updated_at"]


async def test_listing_in_chat_shows_only_the_users_own_tasks(
    client: httpx.AsyncClient, user_id: str, base_url: str, make_token: Callable[..., str]
) -> None:
    owner = f"{user_id}-owner"
    async with client_for(base_url, make_token(owner)) as owner_client:
        await owner_client.post(f"/api/{owner}/tasks", json={"title": "Private plans"})
    await say(client, user_id, "add my own thing")

    reply = await say(client, user_id, "show my tasks")
    [call] = reply["tool_calls"]
    assert [t["title"] for t in call["result"]["tasks"]] == ["my own thing"]
    assert call["result"]["count"] == 1
    assert "Private plans" not in reply["response"]
