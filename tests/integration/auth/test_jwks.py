"""The jwt() plugin's key store against a real database and a real JWKS server.

The clock is injected, so the 30 s refresh block and the cache age are shown
by moving time, never by sleeping. `jwks.hits` counts the fetches.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from service.auth.jwks import (
    MAX_JWKS_BYTES,
    MAX_KEY_AGE_SECONDS,
    REFRESH_INTERVAL_SECONDS,
    JwksVerifier,
    KeyStore,
)
from service.auth.tables import identifiers
from service.db.queries import load_queries
from service.http.context import AppContext
from service.http.errors import AuthExpired, AuthInvalid, DatabaseUnavailable
from service.settings import Settings
from tests.support.better_auth import (
    SigningKey,
    better_auth_pool,
    claims_for,
    insert_key,
    scratch_database,
)
from tests.support.jwks_server import JwksServer, serve_jwks
from tests.support.server import free_port

ORIGIN = "https://auth.example"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def context_on(pool: Any) -> AppContext:
    return AppContext(
        settings=Settings(), queries=load_queries().bind(identifiers(Settings())), pool=pool
    )


@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[Any]:
    async with better_auth_pool(database_url) as pool:
        yield pool


@pytest.fixture
async def jwks() -> AsyncIterator[JwksServer]:
    async with serve_jwks() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(pool: Any, jwks: JwksServer, clock: Clock) -> AsyncIterator[KeyStore]:
    async with KeyStore(context_on(pool), jwks_url=jwks.url, clock=clock) as store:
        yield store


async def test_a_key_in_the_jwks_table_is_found_without_asking_the_url(
    pool: Any, store: KeyStore, jwks: JwksServer
) -> None:
    key = SigningKey.generate("EdDSA")
    await insert_key(pool, key)
    found = await store.find(key.kid)
    assert found is not None
    assert found.algorithms == {"EdDSA"}
    assert found.source == "database"
    assert jwks.hits == 0


async def test_a_kid_missing_from_the_table_is_fetched_from_the_jwks_url(
    store: KeyStore, jwks: JwksServer
) -> None:
    key = SigningKey.generate("RS256")
    jwks.reset(key.served_jwk())
    found = await store.find(key.kid)
    assert found is not None
    assert found.algorithms == {"RS256"}
    assert found.source == "url"
    assert jwks.hits == 1
    assert await store.find(key.kid) is found  # cached: no second fetch
    assert jwks.hits == 1


async def test_a_flood_of_unknown_kids_costs_one_fetch_per_30_seconds(
    store: KeyStore, jwks: JwksServer, clock: Clock
) -> None:
    for number in range(50):
        assert await store.find(f"made-up-{number}") is None
    assert jwks.hits == 1
    clock.advance(REFRESH_INTERVAL_SECONDS - 0.1)
    assert await store.find("made-up-late") is None
    assert jwks.hits == 1
    clock.advance(0.1)
    assert await store.find("made-up-after-30s") is None
    assert jwks.hits == 2


async def test_unknown_kids_do_not_query_the_database_again_within_30_seconds(
    pool: Any, store: KeyStore, clock: Clock
) -> None:
    assert await store.find("not-yet-there") is None
    key = SigningKey.generate("EdDSA")
    await insert_key(pool, key)
    # Blocked: had the table been read again, the new row would be found.
    assert await store.find(key.kid) is None
    clock.advance(REFRESH_INTERVAL_SECONDS)
    assert await store.find(key.kid) is not None


async def test_concurrent_lookups_of_unknown_kids_share_one_fetch(
    store: KeyStore, jwks: JwksServer
) -> None:
    results = await asyncio.gather(*(store.find(f"burst-{n % 3}") for n in range(30)))
    assert results == [None] * 30
    assert jwks.hits == 1


async def test_a_new_key_row_is_picked_up_without_a_restart(pool: Any, store: KeyStore) -> None:
    old, new = SigningKey.generate("EdDSA"), SigningKey.generate("EdDSA")
    await insert_key(pool, old)
    assert await store.find(old.kid) is not None
    await insert_key(pool, new)  # Better Auth rotated its key
    found = await store.find(new.kid)
    assert found is not None
    assert found.kid == new.kid


async def test_a_deleted_key_row_stops_verifying_once_the_cache_is_re_read(
    pool: Any, store: KeyStore, clock: Clock
) -> None:
    key = SigningKey.generate("ES256")
    await insert_key(pool, key)
    assert await store.find(key.kid) is not None
    await pool.execute("DELETE FROM jwks WHERE id = $1", key.kid)
    assert await store.find(key.kid) is not None  # still within the cache age
    clock.advance(MAX_KEY_AGE_SECONDS)
    assert await store.find(key.kid) is None


async def test_an_expiry_set_on_a_cached_key_is_seen_once_the_cache_is_re_read(
    pool: Any, store: KeyStore, clock: Clock
) -> None:
    key = SigningKey.generate("EdDSA")
    await insert_key(pool, key)
    verifier = JwksVerifier(store, origin=ORIGIN)
    token = key.sign(claims_for("user-rotated", ORIGIN))
    assert await verifier.verify(token) == "user-rotated"
    past = datetime.now(UTC) - timedelta(minutes=1)
    await pool.execute('UPDATE jwks SET "expiresAt" = $2 WHERE id = $1', key.kid, past)
    clock.advance(MAX_KEY_AGE_SECONDS)
    with pytest.raises(AuthExpired):
        await verifier.verify(token)


async def test_a_key_past_its_expires_at_verifies_only_what_it_signed_before(
    pool: Any, store: KeyStore
) -> None:
    key = SigningKey.generate("EdDSA")
    retired = datetime.now(UTC) - timedelta(seconds=60)
    await insert_key(pool, key, expires_at=retired)
    verifier = JwksVerifier(store, origin=ORIGIN)
    # Issued after the key expired: refused.
    with pytest.raises(AuthExpired):
        await verifier.verify(key.sign(claims_for("user-x", ORIGIN)))
    # Issued while it was current, and still within its own lifetime: good.
    before = int(retired.timestamp()) - 30
    token = key.sign(claims_for("user-x", ORIGIN, iat=before, exp=before + 15 * 60))
    assert await verifier.verify(token) == "user-x"
    # Issued before, but past its own exp (with leeway): expired like any token.
    old = int(retired.timestamp()) - 20 * 60
    with pytest.raises(AuthExpired):
        await verifier.verify(key.sign(claims_for("user-x", ORIGIN, iat=old, exp=old + 15 * 60)))
    # Without iat nothing says when it was issued: refused.
    with pytest.raises(AuthExpired):
        await verifier.verify(key.sign(claims_for("user-x", ORIGIN, iat=...)))
    # A forged token under the expired kid is invalid, not merely expired.
    forger = SigningKey.generate("EdDSA")
    with pytest.raises(AuthInvalid):
        await verifier.verify(forger.sign(claims_for("user-x", ORIGIN), kid=key.kid))


async def test_keys_retired_over_30_days_ago_are_not_even_loaded(
    pool: Any, store: KeyStore
) -> None:
    key = SigningKey.generate("EdDSA")
    await insert_key(pool, key, expires_at=datetime.now(UTC) - timedelta(days=31))
    assert await store.find(key.kid) is None


async def test_database_keys_win_over_url_keys_with_the_same_kid(
    pool: Any, store: KeyStore, jwks: JwksServer
) -> None:
    stored = SigningKey.generate("EdDSA")
    await insert_key(pool, stored)
    impostor = SigningKey.generate("RS256")
    impostor.kid = stored.kid
    jwks.reset(impostor.served_jwk())
    found = await store.find(stored.kid)
    assert found is not None
    assert found.algorithms == {"EdDSA"}


async def test_only_public_material_is_kept_even_if_a_jwks_serves_private_keys(
    store: KeyStore, jwks: JwksServer
) -> None:
    from jwt import get_algorithm_by_name

    ed, rs = SigningKey.generate("EdDSA"), SigningKey.generate("RS256")
    leaked = [
        {**get_algorithm_by_name(k.alg).to_jwk(k.private_key, as_dict=True), "kid": k.kid}
        for k in (ed, rs)
    ]
    jwks.reset(*leaked)
    found_ed, found_rs = await store.find(ed.kid), await store.find(rs.kid)
    assert found_ed is not None
    assert found_rs is not None
    assert isinstance(found_ed.key, ed25519.Ed25519PublicKey)
    assert isinstance(found_rs.key, rsa.RSAPublicKey)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(500, None, id="server-error"),
        pytest.param(404, None, id="not-found"),
        pytest.param(200, b"<html>not json</html>", id="not-json"),
        pytest.param(200, b'{"keys": "nope"}', id="not-a-key-set"),
        pytest.param(200, b'{"keys": [' + b" " * MAX_JWKS_BYTES + b"]}", id="oversized"),
    ],
)
async def test_a_broken_jwks_url_is_a_miss_and_still_throttled(
    store: KeyStore, jwks: JwksServer, clock: Clock, status: int, body: bytes | None
) -> None:
    key = SigningKey.generate("EdDSA")
    jwks.reset(key.served_jwk())
    jwks.status, jwks.body = status, body
    assert await store.find(key.kid) is None
    assert await store.find(key.kid) is None
    assert jwks.hits == 1
    jwks.status, jwks.body = 200, None
    clock.advance(REFRESH_INTERVAL_SECONDS)
    assert await store.find(key.kid) is not None


async def test_a_failed_fetch_keeps_the_keys_already_cached(
    store: KeyStore, jwks: JwksServer, clock: Clock
) -> None:
    key = SigningKey.generate("ES512")
    jwks.reset(key.served_jwk())
    assert await store.find(key.kid) is not None
    jwks.status = 503
    clock.advance(MAX_KEY_AGE_SECONDS)
    found = await store.find(key.kid)  # stale, re-read fails: the stale key stands
    assert found is not None
    assert jwks.hits == 2


async def test_an_unreachable_jwks_url_is_a_miss(pool: Any, clock: Clock) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/auth/jwks"
    async with KeyStore(context_on(pool), jwks_url=url, clock=clock) as store:
        assert await store.find("anything") is None


async def test_keys_of_the_original_jwks_schema_without_alg_crv_or_expiry(
    database_url: str, clock: Clock
) -> None:
    ed, rs = SigningKey.generate("EdDSA"), SigningKey.generate("PS256")
    async with scratch_database(database_url, better_auth="original") as url:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            for key in (ed, rs):
                await insert_key(pool, key, original_schema=True)
            store = KeyStore(context_on(pool), jwks_url=None, clock=clock)
            found_ed, found_rs = await store.find(ed.kid), await store.find(rs.kid)
            assert found_ed is not None
            assert found_rs is not None
            assert found_ed.algorithms == {"EdDSA"}
            assert found_rs.algorithms == {"RS256", "PS256"}
            verifier = JwksVerifier(store, origin=ORIGIN)
            assert (
                await verifier.verify(rs.sign(claims_for("legacy-user", ORIGIN))) == "legacy-user"
            )
        finally:
            await pool.close()


async def test_without_a_jwks_table_the_url_serves_the_keys(
    database_url: str, jwks: JwksServer, clock: Clock
) -> None:
    key = SigningKey.generate("EdDSA")
    jwks.reset(key.served_jwk())
    async with scratch_database(database_url, better_auth="none") as url:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            async with KeyStore(context_on(pool), jwks_url=jwks.url, clock=clock) as store:
                assert await store.find(key.kid) is not None
            async with KeyStore(context_on(pool), jwks_url=None, clock=clock) as store:
                assert await store.find(key.kid) is None
        finally:
            await pool.close()


@pytest.fixture
async def dead_pool() -> AsyncIterator[Any]:
    """A pool whose database refuses connections (nothing listens on the port)."""
    pool = await asyncpg.create_pool(
        f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/none", min_size=0, timeout=2
    )
    yield pool
    await pool.close()


async def test_database_down_and_no_url_is_503_not_401(dead_pool: Any, clock: Clock) -> None:
    store = KeyStore(context_on(dead_pool), jwks_url=None, clock=clock)
    with pytest.raises(DatabaseUnavailable) as raised:
        await store.find("some-kid")
    assert raised.value.headers == {"Retry-After": "5"}
    with pytest.raises(DatabaseUnavailable):  # still 503 while refreshes are blocked
        await store.find("some-kid")


async def test_database_down_falls_back_to_the_jwks_url(
    dead_pool: Any, jwks: JwksServer, clock: Clock
) -> None:
    key = SigningKey.generate("ES256")
    jwks.reset(key.served_jwk())
    async with KeyStore(context_on(dead_pool), jwks_url=jwks.url, clock=clock) as store:
        found = await store.find(key.kid)
        assert found is not None
        assert found.source == "url"


async def test_a_malformed_row_is_skipped_not_fatal(pool: Any, store: KeyStore) -> None:
    good = SigningKey.generate("EdDSA")
    await insert_key(pool, good)
    await pool.execute(
        'INSERT INTO jwks (id, "publicKey", "privateKey", "createdAt", alg) '
        "VALUES ($1, $2, 'x', now(), 'EdDSA')",
        "malformed-" + good.kid,
        json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "short"}),
    )
    try:
        assert await store.find(good.kid) is not None
        assert await store.find("malformed-" + good.kid) is None
    finally:
        await pool.execute("DELETE FROM jwks WHERE id = $1", "malformed-" + good.kid)


async def test_a_trickling_jwks_url_is_abandoned_at_the_deadline_and_known_keys_never_wait(
    pool: Any, jwks: JwksServer, clock: Clock
) -> None:
    key = SigningKey.generate("ES256")
    jwks.reset(key.served_jwk())
    async with KeyStore(
        context_on(pool), jwks_url=jwks.url, clock=clock, fetch_deadline=0.5
    ) as store:
        known = await store.find(key.kid)
        assert known is not None
        clock.advance(MAX_KEY_AGE_SECONDS + 1)  # the known key is due for a refresh
        jwks.trickle_seconds = 1.0
        unknown = asyncio.create_task(store.find("made-up"))
        await asyncio.sleep(0.1)  # the made-up kid's refresh holds the lock, fetching
        assert await store.find(key.kid) is known
        assert not unknown.done()  # the genuine user did not queue behind it
        assert await asyncio.wait_for(unknown, timeout=10) is None
