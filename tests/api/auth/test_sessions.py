"""Better Auth session tokens over HTTP: the bearer() plugin's header and the cookie.

The tokens are rows of Better Auth's own `"session"` table in the tests'
database; the cookie values are signed exactly as better-call signs them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.better_auth import (
    assert_refused,
    better_auth_pool,
    delete_session,
    insert_session,
    new_session_token,
    scratch_database,
    sign,
)
from tests.support.server import client_for, free_port, live_server

ALLOWED_ORIGIN = "http://localhost:3000"  # the default CORS_ORIGINS
FOREIGN_ORIGIN = "https://evil.example"


@pytest.fixture(scope="module")
async def auth_pool(database_url: str) -> AsyncIterator[Any]:
    async with better_auth_pool(database_url) as pool:
        yield pool


@pytest.fixture
async def session(auth_pool: Any, user_id: str) -> str:
    """A live Better Auth session of `user_id`: its raw token."""
    return await insert_session(auth_pool, user_id)


async def get_tasks(
    base_url: str, user: str, *, bearer: str | None = None, cookie: str | None = None
) -> httpx.Response:
    headers = {}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    if cookie is not None:
        headers["Cookie"] = cookie
    async with client_for(base_url) as client:
        return await client.get(f"/api/{user}/tasks", headers=headers)


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda t: sign(t, TEST_SECRET), id="set-auth-token-value-percent-encoded"),
        pytest.param(lambda t: sign(t, TEST_SECRET, percent_encoded=False), id="decoded"),
        pytest.param(lambda t: t, id="raw-token"),
    ],
)
async def test_bearer_plugin_tokens_are_accepted(
    base_url: str, session: str, user_id: str, form: Any
) -> None:
    response = await get_tasks(base_url, user_id, bearer=form(session))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "name", ["better-auth.session_token", "__Secure-better-auth.session_token"]
)
async def test_the_session_cookie_is_accepted_without_an_authorization_header(
    base_url: str, session: str, user_id: str, name: str
) -> None:
    response = await get_tasks(base_url, user_id, cookie=f"{name}={sign(session, TEST_SECRET)}")
    assert response.status_code == 200, response.text


async def test_the_session_cookie_is_found_among_other_cookies(
    base_url: str, session: str, user_id: str
) -> None:
    cookie = (
        'ph_session={"distinct_id": "x y"}; theme=dark; '
        f"better-auth.session_token={sign(session, TEST_SECRET)}; better-auth.session_data=abc"
    )
    assert (await get_tasks(base_url, user_id, cookie=cookie)).status_code == 200


async def test_the_authorization_header_wins_over_the_cookie(
    base_url: str, session: str, user_id: str
) -> None:
    cookie = f"better-auth.session_token={sign(session, TEST_SECRET)}"
    response = await get_tasks(base_url, user_id, bearer="not-a-valid-credential", cookie=cookie)
    assert_refused(response, 401, "AUTH_INVALID", "not-a-valid-credential")


async def test_an_expired_session_is_auth_expired(
    base_url: str, auth_pool: Any, user_id: str
) -> None:
    token = await insert_session(auth_pool, user_id, expires_in=timedelta(seconds=-1))
    credential = sign(token, TEST_SECRET)
    assert_refused(
        await get_tasks(base_url, user_id, bearer=credential), 401, "AUTH_EXPIRED", credential
    )
    cookie = f"better-auth.session_token={credential}"
    assert_refused(await get_tasks(base_url, user_id, cookie=cookie), 401, "AUTH_EXPIRED", token)


async def test_signing_out_refuses_the_session_at_once(
    base_url: str, auth_pool: Any, session: str, user_id: str
) -> None:
    credential = sign(session, TEST_SECRET)
    assert (await get_tasks(base_url, user_id, bearer=credential)).status_code == 200
    await delete_session(auth_pool, session)
    response = await get_tasks(base_url, user_id, bearer=credential)
    assert_refused(response, 401, "AUTH_INVALID", credential)


def forged(session: str) -> dict[str, str]:
    good = sign(session, TEST_SECRET, percent_encoded=False)
    signature = good.rsplit(".", 1)[1]
    return {
        "bad-signature": f"{session}.{'A' * 43}=",
        "signature-by-another-secret": sign(session, "guessed-secret"),
        "signature-43-chars-unpadded": f"{session}.{signature.rstrip('=')}",
        "signature-45-chars": f"{session}.{signature}A",
        "signature-of-the-wrong-token": f"{new_session_token()}.{signature}",
        "valid-signature-over-an-unknown-token": sign(new_session_token(), TEST_SECRET),
        "unknown-raw-token": new_session_token(),
        "token-with-a-quote": f"{session}'--",
        "two-dots-not-a-jwt": f"{session}.x.y",
    }


@pytest.mark.parametrize("case", list(forged("x" * 32)))
async def test_forged_session_tokens_are_refused_without_echo(
    base_url: str, session: str, user_id: str, case: str
) -> None:
    credential = forged(session)[case]
    response = await get_tasks(base_url, user_id, bearer=credential)
    assert_refused(response, 401, "AUTH_INVALID", credential)
    cookie_response = await get_tasks(
        base_url, user_id, cookie=f"better-auth.session_token={credential}"
    )
    assert_refused(cookie_response, 401, "AUTH_INVALID", credential)


async def test_a_session_on_another_users_path_is_forbidden(
    base_url: str, session: str, user_id: str
) -> None:
    credential = sign(session, TEST_SECRET)
    response = await get_tasks(base_url, "someone-else", bearer=credential)
    assert_refused(response, 403, "FORBIDDEN", credential)
    cookie = f"better-auth.session_token={credential}"
    response = await get_tasks(base_url, "someone-else", cookie=cookie)
    assert_refused(response, 403, "FORBIDDEN", credential)


async def test_the_cookie_prefix_is_configurable(
    db_settings: Settings, session: str, user_id: str
) -> None:
    settings = replace(db_settings, better_auth_cookie_prefix="todo")
    value = sign(session, TEST_SECRET)
    async with live_server(settings) as url:
        ours = await get_tasks(url, user_id, cookie=f"__Secure-todo.session_token={value}")
        assert ours.status_code == 200, ours.text
        default = await get_tasks(url, user_id, cookie=f"better-auth.session_token={value}")
        assert_refused(default, 401, "AUTH_REQUIRED", value)


async def test_without_a_session_table_session_tokens_are_invalid_not_500(
    database_url: str, db_settings: Settings
) -> None:
    async with (
        scratch_database(database_url, better_auth="none") as url,
        live_server(replace(db_settings, database_url=url)) as api,
    ):
        credential = sign(new_session_token(), TEST_SECRET)
        response = await get_tasks(api, "anyone", bearer=credential)
        assert_refused(response, 401, "AUTH_INVALID", credential)


async def test_an_unreachable_database_during_the_lookup_is_503(db_settings: Settings) -> None:
    dead = f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/none"
    settings = replace(db_settings, database_url=dead, database_pool_min=0)
    async with live_server(settings) as api:
        credential = sign(new_session_token(), TEST_SECRET)
        response = await get_tasks(api, "anyone", bearer=credential)
        assert_refused(response, 503, "DATABASE_UNAVAILABLE", credential)
        assert response.headers["retry-after"] == "5"


async def test_a_cookie_request_from_an_allowed_origin_may_read_the_response(
    base_url: str, session: str, user_id: str
) -> None:
    cookie = f"better-auth.session_token={sign(session, TEST_SECRET)}"
    async with client_for(base_url) as client:
        response = await client.get(
            f"/api/{user_id}/tasks", headers={"Cookie": cookie, "Origin": ALLOWED_ORIGIN}
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_a_cookie_request_from_a_foreign_origin_gets_no_cors_grant(
    base_url: str, session: str, user_id: str
) -> None:
    cookie = f"better-auth.session_token={sign(session, TEST_SECRET)}"
    async with client_for(base_url) as client:
        response = await client.get(
            f"/api/{user_id}/tasks", headers={"Cookie": cookie, "Origin": FOREIGN_ORIGIN}
        )
        preflight = await client.options(
            f"/api/{user_id}/tasks",
            headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "DELETE"},
        )
    for refused in (response, preflight):
        assert "access-control-allow-origin" not in refused.headers
        assert "access-control-allow-credentials" not in refused.headers


async def test_a_wildcard_cors_origin_never_grants_credentials(
    db_settings: Settings, user_id: str
) -> None:
    async with (
        live_server(replace(db_settings, cors_origins=("*",))) as api,
        client_for(api) as client,
    ):
        response = await client.get(f"/api/{user_id}/tasks", headers={"Origin": FOREIGN_ORIGIN})
        preflight = await client.options(
            f"/api/{user_id}/tasks",
            headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "GET"},
        )
    assert response.headers["access-control-allow-origin"] == "*"
    assert preflight.status_code == 200
    for answer in (response, preflight):
        assert "access-control-allow-credentials" not in answer.headers
