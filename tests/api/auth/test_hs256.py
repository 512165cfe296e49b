"""HS256 tokens signed with BETTER_AUTH_SECRET, and credentials that are no credential."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import jwt
import pytest

from service.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.better_auth import assert_refused
from tests.support.server import client_for, live_server


async def get_tasks(base_url: str, user: str, authorization: str | bytes) -> httpx.Response:
    async with client_for(base_url) as client:
        raw = authorization if isinstance(authorization, bytes) else authorization.encode("latin-1")
        return await client.get(f"/api/{user}/tasks", headers=[(b"authorization", raw)])


def hs256(claims: dict[str, Any], secret: str = TEST_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_no_credential_is_auth_required_with_a_bearer_challenge(
    anonymous: httpx.AsyncClient, user_id: str
) -> None:
    response = await anonymous.get(f"/api/{user_id}/tasks")
    assert_refused(response, 401, "AUTH_REQUIRED", "")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_valid_token_is_accepted(base_url: str, user_id: str, token: str) -> None:
    assert (await get_tasks(base_url, user_id, f"Bearer {token}")).status_code == 200


async def test_an_expired_token_is_auth_expired(
    base_url: str, user_id: str, make_token: Callable[..., str]
) -> None:
    token = make_token(user_id, ttl_seconds=60, now=time.time() - 3600)
    assert_refused(
        await get_tasks(base_url, user_id, f"Bearer {token}"), 401, "AUTH_EXPIRED", token
    )


async def test_a_token_expired_within_the_leeway_is_accepted(
    base_url: str, user_id: str, make_token: Callable[..., str]
) -> None:
    token = make_token(user_id, ttl_seconds=600, now=time.time() - 650)
    assert (await get_tasks(base_url, user_id, f"Bearer {token}")).status_code == 200


async def test_a_token_signed_with_another_secret_is_invalid(base_url: str, user_id: str) -> None:
    token = hs256(
        {"sub": user_id, "exp": int(time.time()) + 600},
        "a-guessed-secret-that-is-long-enough-0123456789",
    )
    assert_refused(
        await get_tasks(base_url, user_id, f"Bearer {token}"), 401, "AUTH_INVALID", token
    )


async def test_a_token_without_exp_is_invalid(base_url: str, user_id: str) -> None:
    token = hs256({"sub": user_id})
    assert_refused(
        await get_tasks(base_url, user_id, f"Bearer {token}"), 401, "AUTH_INVALID", token
    )


async def test_a_token_for_another_user_is_forbidden(
    base_url: str, user_id: str, make_token: Callable[..., str]
) -> None:
    token = make_token("someone-else")
    assert_refused(await get_tasks(base_url, user_id, f"Bearer {token}"), 403, "FORBIDDEN", token)


@pytest.mark.parametrize("claim", ["id", "user_id", "userId"])
async def test_the_user_id_falls_back_to_id_claims_when_sub_is_absent(
    base_url: str, user_id: str, claim: str
) -> None:
    token = hs256({claim: user_id, "exp": int(time.time()) + 600})
    assert (await get_tasks(base_url, user_id, f"Bearer {token}")).status_code == 200


async def test_sub_wins_over_the_fallback_claims(base_url: str, user_id: str) -> None:
    token = hs256({"sub": "the-subject", "id": user_id, "exp": int(time.time()) + 600})
    assert_refused(await get_tasks(base_url, user_id, f"Bearer {token}"), 403, "FORBIDDEN", token)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({}, id="no-user-claim"),
        pytest.param({"sub": 42}, id="numeric-sub"),
        pytest.param({"sub": ""}, id="empty-sub"),
        pytest.param({"sub": "x" * 256}, id="overlong-sub"),
    ],
)
async def test_tokens_naming_no_usable_user_are_invalid(
    base_url: str, claims: dict[str, Any]
) -> None:
    token = hs256({"exp": int(time.time()) + 600, **claims})
    assert_refused(
        await get_tasks(base_url, "anyone", f"Bearer {token}"), 401, "AUTH_INVALID", token
    )


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer " + "a" * 9000, id="oversized"),
        pytest.param("Bearer " + "eyJ" * 3000 + ".e30.sig", id="oversized-jwt-shape"),
        pytest.param("Bearer not.a.jwt", id="three-garbage-segments"),
        pytest.param("Bearer ....", id="only-dots"),
        pytest.param("Bearer eyJhbGciOiJIUzI1NiJ9", id="header-only"),
        pytest.param("Bearer e30.e30.", id="empty-header-object"),
        pytest.param(b"Bearer caf\xe9-token", id="non-ascii-bytes"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", id="basic-scheme"),
        pytest.param("Bearer", id="scheme-without-value"),
        pytest.param("Token abc", id="unknown-scheme"),
    ],
)
async def test_garbage_authorization_values_are_invalid_without_echo(
    base_url: str, user_id: str, authorization: str | bytes
) -> None:
    response = await get_tasks(base_url, user_id, authorization)
    text = authorization.decode("latin-1") if isinstance(authorization, bytes) else authorization
    assert_refused(response, 401, "AUTH_INVALID", text.partition(" ")[2])


async def test_issuer_and_audience_are_required_when_configured(
    db_settings: Settings, user_id: str
) -> None:
    settings = replace(db_settings, auth_jwt_issuer="https://app.example", auth_jwt_audience="api")
    now = int(time.time())
    good = {"sub": user_id, "exp": now + 600, "iss": "https://app.example", "aud": "api"}
    async with live_server(settings) as url:
        assert (await get_tasks(url, user_id, f"Bearer {hs256(good)}")).status_code == 200
        for change in ({"iss": "https://evil.example"}, {"aud": "other"}, {"iss": None}):
            claims = {k: v for k, v in {**good, **change}.items() if v is not None}
            token = hs256(claims)
            response = await get_tasks(url, user_id, f"Bearer {token}")
            assert_refused(response, 401, "AUTH_INVALID", token)
        no_aud = hs256({k: v for k, v in good.items() if k != "aud"})
        assert_refused(
            await get_tasks(url, user_id, f"Bearer {no_aud}"), 401, "AUTH_INVALID", no_aud
        )
