"""Every common Better Auth setup, against the real Better Auth from npm.

Each test starts `better-auth` (tests/interop/better_auth/server.mjs) with one
setup on a scratch database, lets its own migrations create its tables, signs a
user up over its HTTP API, and calls our service with every credential the
user then holds: the session cookie, the bearer() token and a jwt() token.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from service.db.migrate import apply_migrations
from service.settings import Settings
from tests.support.databases import scratch_database
from tests.support.real_better_auth import BetterAuth, SignedIn, running_better_auth
from tests.support.server import client_for, free_port, live_server

ORIGIN = "http://auth.test"
SECRET = "interop-secret-that-is-long-enough-0123456789abcdef"


@dataclass
class Setup:
    """Better Auth and our service, configured alike, on one scratch database."""

    auth: BetterAuth
    service_url: str


@pytest.fixture
def scratch(database_url: str) -> Iterator[str]:
    with scratch_database(database_url) as url:
        apply_migrations(url)
        yield url


@contextlib.asynccontextmanager
async def setup(
    scratch: str,
    settings: Settings,
    config: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    service: Mapping[str, Any] | None = None,
    jwks_from_url: bool = False,
) -> AsyncIterator[Setup]:
    env = env or {"BETTER_AUTH_SECRET": SECRET}
    async with running_better_auth(scratch, config or {}, env) as auth:
        # Without jwks_from_url the JWKS URL is dead: keys must come from the table.
        jwks_url = (
            f"{auth.url}/api/auth/jwks" if jwks_from_url else f"http://127.0.0.1:{free_port()}/jwks"
        )
        ours = replace(
            settings,
            database_url=scratch,
            better_auth_secret=env.get("BETTER_AUTH_SECRET", ""),
            better_auth_url=ORIGIN,
            better_auth_jwks_url=jwks_url,
            better_auth_cookie_prefix=str((config or {}).get("cookiePrefix", "better-auth")),
            **(service or {}),
        )
        async with live_server(ours) as url:
            yield Setup(auth, url)


async def status_with(
    setup: Setup,
    user_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
) -> int:
    async with httpx.AsyncClient(
        base_url=setup.service_url, cookies=dict(cookies or {}), timeout=30
    ) as client:
        response = await client.get(f"/api/{user_id}/tasks", headers=headers)
        status: int = response.status_code
        return status


async def every_credential_works(setup: Setup, user: SignedIn) -> None:
    jwt = await setup.auth.jwt(user)
    for token in (user.bearer, jwt):
        headers = {"Authorization": f"Bearer {token}"}
        assert await status_with(setup, user.user_id, headers=headers) == 200, token
    assert await status_with(setup, user.user_id, cookies=user.cookies) == 200


async def test_the_default_setup_accepts_every_credential_and_refuses_other_paths(
    scratch: str, settings: Settings
) -> None:
    async with setup(scratch, settings, jwks_from_url=True) as both:
        alice, bob = await both.auth.sign_up(), await both.auth.sign_up()
        await every_credential_works(both, alice)
        headers = {"Authorization": f"Bearer {alice.bearer}"}
        assert await status_with(both, bob.user_id, headers=headers) == 403
        # Sign-out takes effect at once, for the cookie and the bearer token.
        await both.auth.sign_out(alice)
        assert await status_with(both, alice.user_id, headers=headers) == 401
        assert await status_with(both, alice.user_id, cookies=alice.cookies) == 401


@pytest.mark.parametrize(
    "key_pair",
    [
        {"alg": "EdDSA", "crv": "Ed25519"},
        {"alg": "ES256"},
        {"alg": "ES512"},
        {"alg": "RS256"},
        {"alg": "PS256"},
    ],
)
async def test_every_jwt_plugin_algorithm_verifies_from_the_table(
    scratch: str, settings: Settings, key_pair: dict[str, str]
) -> None:
    async with setup(scratch, settings, {"keyPairConfig": key_pair}) as both:
        user = await both.auth.sign_up()
        headers = {"Authorization": f"Bearer {await both.auth.jwt(user)}"}
        assert await status_with(both, user.user_id, headers=headers) == 200


@pytest.mark.parametrize("generate_id", ["uuid", "serial"])
async def test_uuid_and_serial_ids_work_for_sessions_and_keys(
    scratch: str, settings: Settings, generate_id: str
) -> None:
    async with setup(scratch, settings, {"generateId": generate_id}) as both:
        user = await both.auth.sign_up()
        await every_credential_works(both, user)
        async with client_for(both.service_url, user.bearer) as client:
            created = await client.post(f"/api/{user.user_id}/tasks", json={"title": "t"})
            assert created.json()["user_id"] == user.user_id


async def test_renamed_plural_snake_case_tables_in_another_schema(
    scratch: str, settings: Settings
) -> None:
    config = {
        "schema": "auth",
        "userTable": "users",
        "sessionTable": "sessions",
        "accountTable": "accounts",
        "jwksTable": "jwks_keys",
        "columnCase": "snake",
    }
    service = {
        "better_auth_db_schema": "auth",
        "better_auth_session_table": "sessions",
        "better_auth_jwks_table": "jwks_keys",
        "better_auth_column_case": "snake",
    }
    async with setup(scratch, settings, config, service=service) as both:
        await every_credential_works(both, await both.auth.sign_up())


async def test_a_setting_that_does_not_match_the_tables_is_401_never_500(
    scratch: str, settings: Settings
) -> None:
    service = {"better_auth_session_table": "sessions", "better_auth_column_case": "snake"}
    async with setup(scratch, settings, service=service) as both:
        user = await both.auth.sign_up()
        headers = {"Authorization": f"Bearer {user.bearer}"}
        assert await status_with(both, user.user_id, headers=headers) == 401
        assert await status_with(both, user.user_id, cookies=user.cookies) == 401


async def test_a_rotated_key_keeps_its_tokens_and_the_new_key_is_picked_up(
    scratch: str, settings: Settings
) -> None:
    async with setup(scratch, settings, {"rotationInterval": 2}) as both:
        user = await both.auth.sign_up()
        before = await both.auth.jwt(user)
        assert await status_with(both, user.user_id, headers=bearer(before)) == 200
        await asyncio.sleep(2.5)  # the first key expires; the next token gets a new one
        after = await both.auth.jwt(user)
        assert await status_with(both, user.user_id, headers=bearer(after)) == 200
        assert await status_with(both, user.user_id, headers=bearer(before)) == 200


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_secret_rotation_with_better_auth_secrets(scratch: str, settings: Settings) -> None:
    old, new = "o" * 40, "n" * 40
    async with setup(
        scratch,
        settings,
        env={"BETTER_AUTH_SECRETS": f"1:{old}"},
        service={"better_auth_secrets": (old,)},
    ) as both:
        before = await both.auth.sign_up()
    rotated_env = {"BETTER_AUTH_SECRETS": f"2:{new},1:{old}"}
    rotated = {"better_auth_secrets": (new, old)}
    async with setup(scratch, settings, env=rotated_env, service=rotated) as both:
        after = await both.auth.sign_up()
        await every_credential_works(both, after)
        # What Better Auth accepts after the rotation, we accept; what it refuses, we refuse.
        accepted = await both.auth.session_accepts(before.cookies)
        expected = 200 if accepted else 401
        assert await status_with(both, before.user_id, cookies=before.cookies) == expected
        # Better Auth signs its cookies with the current secret only, so the
        # old cookie is refused by both; the raw token of the old session works.
        assert not accepted
        raw_token = before.bearer.partition(".")[0]
        assert await status_with(both, before.user_id, headers=bearer(raw_token)) == 200


@pytest.mark.parametrize(
    "config", [{"useSecureCookies": True}, {"cookiePrefix": "myapp"}], ids=["secure", "prefix"]
)
async def test_the_secure_cookie_and_a_custom_prefix(
    scratch: str, settings: Settings, config: dict[str, Any]
) -> None:
    async with setup(scratch, settings, config) as both:
        user = await both.auth.sign_up()
        names = set(user.cookies)
        expected = (
            "__Secure-better-auth.session_token"
            if config.get("useSecureCookies")
            else "myapp.session_token"
        )
        assert expected in names
        assert await status_with(both, user.user_id, cookies=user.cookies) == 200


async def test_the_service_with_no_better_auth_tables_says_which_setting_at_start(
    scratch: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    ours = replace(settings, database_url=scratch, better_auth_session_table="missing_sessions")
    async with live_server(ours):
        pass
    messages = [
        r.getMessage() for r in caplog.records if "BETTER_AUTH_SESSION_TABLE" in r.getMessage()
    ]
    assert messages
    assert '"public"."missing_sessions"' in messages[0]
    async with live_server(ours) as url, client_for(url, "a" * 32) as client:
        assert (await client.get("/api/u/tasks")).status_code == 401
