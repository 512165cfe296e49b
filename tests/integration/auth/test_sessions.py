"""Session tokens against Better Auth's real `"session"` table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from service.auth.sessions import SessionVerifier
from service.auth.tables import identifiers
from service.db.queries import load_queries
from service.http.context import AppContext
from service.http.errors import AuthExpired, AuthInvalid, DatabaseUnavailable
from service.settings import Settings
from tests.support.better_auth import (
    better_auth_pool,
    delete_session,
    insert_session,
    new_session_token,
    scratch_database,
    sign,
)
from tests.support.server import free_port

SECRET = "session-test-secret-0123456789abcdef"


def verifier_on(pool: Any) -> SessionVerifier:
    context = AppContext(
        settings=Settings(), queries=load_queries().bind(identifiers(Settings())), pool=pool
    )
    return SessionVerifier(context, secret=SECRET)


@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[Any]:
    async with better_auth_pool(database_url) as pool:
        yield pool


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda token: sign(token, SECRET), id="cookie-value-percent-encoded"),
        pytest.param(lambda token: sign(token, SECRET, percent_encoded=False), id="decoded"),
        pytest.param(lambda token: token, id="raw-token"),
    ],
)
async def test_a_live_session_yields_its_user(pool: Any, user_id: str, form: Any) -> None:
    token = await insert_session(pool, user_id)
    assert await verifier_on(pool).verify(form(token)) == user_id


async def test_an_expired_session_is_expired(pool: Any, user_id: str) -> None:
    token = await insert_session(pool, user_id, expires_in=timedelta(seconds=-1))
    with pytest.raises(AuthExpired):
        await verifier_on(pool).verify(sign(token, SECRET))


async def test_a_signed_out_session_is_refused_at_once(pool: Any, user_id: str) -> None:
    token = await insert_session(pool, user_id)
    verifier = verifier_on(pool)
    assert await verifier.verify(sign(token, SECRET)) == user_id
    await delete_session(pool, token)
    with pytest.raises(AuthInvalid):
        await verifier.verify(sign(token, SECRET))


async def test_a_valid_signature_over_an_unknown_token_is_invalid(pool: Any) -> None:
    with pytest.raises(AuthInvalid):
        await verifier_on(pool).verify(sign(new_session_token(), SECRET))


async def test_a_real_token_with_a_forged_signature_is_invalid(pool: Any, user_id: str) -> None:
    token = await insert_session(pool, user_id)
    with pytest.raises(AuthInvalid):
        await verifier_on(pool).verify(sign(token, "not-the-secret"))


async def test_without_a_session_table_session_tokens_are_invalid(database_url: str) -> None:
    async with scratch_database(database_url, better_auth="none") as url:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            verifier = verifier_on(pool)
            for _ in range(2):  # the first warns in the log, the second quietly
                with pytest.raises(AuthInvalid):
                    await verifier.verify(sign(new_session_token(), SECRET))
        finally:
            await pool.close()


async def test_an_unreachable_database_is_503_with_retry_after() -> None:
    pool = await asyncpg.create_pool(
        f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/none", min_size=0, timeout=2
    )
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            await verifier_on(pool).verify(sign(new_session_token(), SECRET))
        assert raised.value.headers == {"Retry-After": "5"}
    finally:
        await pool.close()
