"""The real Better Auth from npm (tests/interop/better_auth), run by the tests.

`make test` installs it with `npm ci` from the committed lock file. Each
`BetterAuth` is one `node server.mjs` with a setup of the test's choosing, on
a database of the test's: its own migrations create its tables, and users sign
up and in over its HTTP API, exactly as a frontend's users do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx

INTEROP = Path(__file__).resolve().parents[1] / "interop" / "better_auth"
STARTUP_SECONDS = 60


@dataclass
class SignedIn:
    """What a signed-in browser or frontend holds."""

    user_id: str
    cookies: dict[str, str]  # name -> value, as the browser would send them back
    bearer: str  # the set-auth-token header of the bearer() plugin


@dataclass
class BetterAuth:
    url: str
    cookie_prefix: str = "better-auth"

    async def sign_up(self, email: str | None = None) -> SignedIn:
        email = email or f"{uuid.uuid4().hex[:12]}@example.test"
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.post(
                "/api/auth/sign-up/email",
                json={"email": email, "password": "correct horse battery", "name": "Tester"},
            )
            assert response.status_code == 200, response.text
        cookies = SimpleCookie()
        for header in response.headers.get_list("set-cookie"):
            cookies.load(header)
        return SignedIn(
            user_id=str(response.json()["user"]["id"]),
            cookies={name: morsel.value for name, morsel in cookies.items()},
            bearer=response.headers["set-auth-token"],
        )

    async def jwt(self, signed_in: SignedIn) -> str:
        """A jwt() plugin token, as `authClient.token()` gets it."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.get(
                "/api/auth/token", headers={"Authorization": f"Bearer {signed_in.bearer}"}
            )
            assert response.status_code == 200, response.text
            token: str = response.json()["token"]
            return token

    async def session_accepts(self, cookies: Mapping[str, str]) -> bool:
        """Whether Better Auth itself sees a session in these cookies."""
        async with httpx.AsyncClient(
            base_url=self.url, timeout=30, cookies=dict(cookies)
        ) as client:
            response = await client.get("/api/auth/get-session")
            return response.status_code == 200 and response.json() is not None

    async def sign_out(self, signed_in: SignedIn) -> None:
        async with httpx.AsyncClient(
            base_url=self.url, timeout=30, cookies=signed_in.cookies
        ) as client:
            response = await client.post("/api/auth/sign-out", json={})
            assert response.status_code == 200, response.text


def require_node() -> str:
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "better-auth").is_dir():
        raise RuntimeError(
            "The Better Auth interop tests need Node.js 20+ and npm: install them, then run "
            "`make test` (it runs `npm ci` in tests/interop/better_auth)."
        )
    return node


@contextlib.asynccontextmanager
async def running_better_auth(
    database_url: str, config: Mapping[str, Any], env: Mapping[str, str]
) -> AsyncIterator[BetterAuth]:
    """Start Better Auth with `config` (see server.mjs) and secrets from `env`."""
    process = await asyncio.create_subprocess_exec(
        require_node(),
        "server.mjs",
        cwd=INTEROP,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BETTER_AUTH")},
            **env,
            "BA_DATABASE_URL": database_url,
            "BA_CONFIG": json.dumps(config),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), STARTUP_SECONDS)
        if not line.startswith(b"listening "):
            assert process.stderr is not None
            error = await process.stderr.read()
            raise RuntimeError(f"Better Auth did not start: {line!r} {error.decode()[-2000:]}")
        port = int(line.split()[1])
        yield BetterAuth(
            url=f"http://127.0.0.1:{port}",
            cookie_prefix=str(config.get("cookiePrefix", "better-auth")),
        )
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
