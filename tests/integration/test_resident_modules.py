"""What a serving worker keeps in memory: only what its configuration uses.

Each of these is megabytes of every worker's resident memory, for a feature
the deployment may not use: httpx (and what it brings) calls a provider or a
JWKS URL, the MCP SDK and pydantic serve /mcp, rapidfuzz reads a typo, yoyo
and psycopg apply migrations (in a child process of `serve`). A fresh
interpreter runs the app against the test database, serves a task request and
a chat turn with the built-in agent, and reports what it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from service.auth.hs256 import mint_token
from tests.conftest import TEST_SECRET

OPTIONAL_FEATURES = ("httpx", "mcp", "pydantic", "rapidfuzz", "yoyo", "psycopg")

WORKER = textwrap.dedent(
    """
    import asyncio, json, sys

    from service.app import create_app
    from service.settings import Settings

    async def call(app, method, path, token, body=b""):
        sent = []
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}
        async def send(message):
            sent.append(message)
        headers = [(b"authorization", b"Bearer " + token.encode())]
        if body:
            headers.append((b"content-type", b"application/json"))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        }
        await app(scope, receive, send)
        return sent[0]["status"]

    async def main(user, token, features):
        app = create_app(Settings.from_env())
        async with app.router.lifespan_context(app):
            statuses = [
                await call(app, "GET", f"/api/{user}/tasks", token),
                await call(app, "POST", f"/api/{user}/chat", token,
                           b'{"message": "add buy milk"}'),
                await call(app, "POST", f"/api/{user}/chat", token,
                           b'{"message": "show my tasks"}'),
            ]
        loaded = sorted(f for f in features if f in sys.modules)
        print(json.dumps({"statuses": statuses, "loaded": loaded}))

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
    """
)


def test_a_worker_with_the_builtin_agent_loads_no_optional_feature(
    database_url: str, user_id: str
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "AI_", "BETTER_AUTH_"))
    }
    env.update(
        DATABASE_URL=database_url,
        BETTER_AUTH_SECRET=TEST_SECRET,
        AI_PROVIDER="builtin",
        LOG_LEVEL="warning",
        API_RATE_LIMIT_PER_MINUTE="0",
        CHAT_RATE_LIMIT_PER_MINUTE="0",
    )
    token = mint_token(TEST_SECRET, user_id)
    finished = subprocess.run(
        [sys.executable, "-c", WORKER, user_id, token, *OPTIONAL_FEATURES],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(finished.stdout.strip().splitlines()[-1])

    assert report["statuses"] == [200, 200, 200]
    assert report["loaded"] == []
