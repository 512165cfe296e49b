"""Helpers for the chat tests: the service in separate processes (replicas),
sending chat turns, and reading what a chat turn left in the database."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from service.settings import Settings
from tests.support.fake_llm import FakeLLM
from tests.support.server import free_port, start_process

REPO = Path(__file__).resolve().parents[2]
UVICORN = (sys.executable, "-m", "uvicorn", "--factory", "service.asgi:app", "--no-access-log")


class ServerProcess:
    """The service in a process of its own (`uvicorn --factory service.asgi:app`),
    configured only through the environment, as a replica would be."""

    def __init__(self, database_url: str, secret: str) -> None:
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "AI_"))},
            "DATABASE_URL": database_url,
            "BETTER_AUTH_SECRET": secret,
            "AI_PROVIDER": "builtin",
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "warning",
            # As in the `settings` fixture: tests may send many turns a minute.
            "CHAT_RATE_LIMIT_PER_MINUTE": "0",
            "API_RATE_LIMIT_PER_MINUTE": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = start_process(
            [*UVICORN, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO,
            env=self.env,
            url=self.url,
            seconds=30,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@contextlib.contextmanager
def server_process(database_url: str, secret: str) -> Iterator[ServerProcess]:
    server = ServerProcess(database_url, secret)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def fetch(database_url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of one query on a fresh connection, to check what was stored.

    JSONB columns come back as JSON text (no codec on this connection).
    """
    conn = await asyncpg.connect(database_url)
    try:
        return [dict(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def post_chat(
    client: httpx.AsyncClient, user_id: str, message: str, conversation_id: int | None = None
) -> httpx.Response:
    """POST one chat message; `conversation_id` is sent only when given."""
    body: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    return await client.post(f"/api/{user_id}/chat", json=body)


async def say(
    client: httpx.AsyncClient, user_id: str, message: str, conversation_id: int | None = None
) -> dict[str, Any]:
    """One chat turn that must succeed; returns the reply body."""
    response = await post_chat(client, user_id, message, conversation_id)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def stored_messages(
    database_url: str, conversation_id: int | None, columns: str = "role, content, tool_calls"
) -> list[dict[str, Any]]:
    """The conversation's stored messages, oldest first, with `tool_calls` decoded."""
    rows = await fetch(
        database_url,
        # `columns` is always a literal of the calling test, never input.
        f"SELECT {columns} FROM messages WHERE conversation_id = $1 ORDER BY id",  # noqa: S608
        conversation_id,
    )
    for row in rows:
        if "tool_calls" in row:
            row["tool_calls"] = json.loads(row["tool_calls"])
    return rows


API_KEY = "sk-e2e-secret-key-abcdef0123456789"
MODEL = "fake-model-1"


def openai_settings(db_settings: Settings, llm: FakeLLM, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ai_provider": "openai",
        "ai_base_url": llm.base_url,
        "ai_api_key": API_KEY,
        "ai_model": MODEL,
        "ai_timeout_seconds": 5.0,
        "ai_max_retries": 1,
    }
    values.update(overrides)
    return replace(db_settings, **values)
