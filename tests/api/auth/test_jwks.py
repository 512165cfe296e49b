"""JWTs from Better Auth's jwt() plugin over HTTP: what gets in, and what does not.

One app serves the module, configured as a deployment would be: BETTER_AUTH_URL
(the expected iss/aud) and a JWKS URL served by a real local server. Its
signing keys sit in Better Auth's jwks table before the app starts. Tests that
need a fresh key cache (rotation, the refresh throttle, URL-only keys) start
an app of their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from service.settings import Settings
from tests.support.better_auth import (
    ALGORITHMS,
    SigningKey,
    assert_refused,
    better_auth_pool,
    claims_for,
    insert_key,
)
from tests.support.jwks_server import JwksServer, serve_jwks
from tests.support.server import client_for, live_server

ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module")
async def auth_pool(database_url: str) -> AsyncIterator[Any]:
    async with better_auth_pool(database_url) as pool:
        yield pool


@pytest.fixture(scope="module")
async def jwks() -> AsyncIterator[JwksServer]:
    async with serve_jwks() as server:
        yield server


@pytest.fixture(scope="module")
async def keys(auth_pool: Any) -> dict[str, SigningKey]:
    """One stored key per algorithm, plus one past its expiresAt."""
    keys: dict[str, SigningKey] = {alg: SigningKey.generate(alg) for alg in ALGORITHMS}
    for key in keys.values():
        await insert_key(auth_pool, key)
    keys["expired"] = SigningKey.generate("EdDSA")
    await insert_key(
        auth_pool, keys["expired"], expires_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    return keys


@pytest.fixture(scope="module")
def jwks_settings(db_settings: Settings, jwks: JwksServer) -> Settings:
    return replace(db_settings, better_auth_url=ORIGIN, better_auth_jwks_url=jwks.url)


@pytest.fixture(scope="module")
async def api(jwks_settings: Settings, keys: dict[str, SigningKey]) -> AsyncIterator[str]:
    async with live_server(jwks_settings) as url:
        yield url


@pytest.fixture
async def fresh_api(jwks_settings: Settings, jwks: JwksServer) -> AsyncIterator[str]:
    """An app with an empty key cache, and the JWKS server's counter at zero."""
    jwks.reset()
    async with live_server(jwks_settings) as url:
        yield url
    jwks.reset()


async def get_tasks(base_url: str, user: str, token: str) -> httpx.Response:
    async with client_for(base_url) as client:
        return await client.get(f"/api/{user}/tasks", headers={"Authorization": f"Bearer {token}"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hand_made(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A JWT put together by hand, as an attacker would."""
    return ".".join(
        [
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(claims).encode()),
            b64url(signature),
        ]
    )


def hs256_with_public_key(key: SigningKey, claims: dict[str, Any]) -> str:
    """Key confusion: HS256 'signed' with the bytes of a published public key."""
    public_pem = key.private_key.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = b64url(json.dumps(claims).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"


def tamper_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


def with_header(token: str, header: dict[str, Any]) -> str:
    _, payload, signature = token.split(".")
    return f"{b64url(json.dumps(header).encode())}.{payload}.{signature}"


def with_embedded_key(attacker: SigningKey, kid: str, user: str) -> str:
    """Signed by the attacker, who ships their own public key in the header."""
    return attacker.sign(claims_for(user, ORIGIN), kid=kid, headers={"jwk": attacker.public_jwk()})


def swap_payload(token: str, claims: dict[str, Any]) -> str:
    head, _, signature = token.split(".")
    return f"{head}.{b64url(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize("alg", ALGORITHMS)
async def test_every_jwt_plugin_algorithm_is_accepted(
    api: str, keys: dict[str, SigningKey], user_id: str, alg: str
) -> None:
    response = await get_tasks(api, user_id, keys[alg].sign(claims_for(user_id, ORIGIN)))
    assert response.status_code == 200, response.text


async def test_an_audience_list_that_includes_the_origin_is_accepted(
    api: str, keys: dict[str, SigningKey], user_id: str
) -> None:
    claims = claims_for(user_id, ORIGIN, aud=["https://other.example", ORIGIN])
    response = await get_tasks(api, user_id, keys["EdDSA"].sign(claims))
    assert response.status_code == 200


async def test_a_valid_token_on_another_users_path_is_forbidden(
    api: str, keys: dict[str, SigningKey], user_id: str
) -> None:
    token = keys["EdDSA"].sign(claims_for(user_id, ORIGIN))
    assert_refused(await get_tasks(api, "someone-else", token), 403, "FORBIDDEN", token)


Now = int
Forgery = Callable[[dict[str, SigningKey], str, Now], str]

FORGERIES: dict[str, tuple[Forgery, str]] = {
    "alg-none": (
        lambda k, u, now: hand_made({"alg": "none", "kid": k["EdDSA"].kid}, claims_for(u, ORIGIN)),
        "AUTH_INVALID",
    ),
    "alg-none-keeping-a-real-signature": (
        lambda k, u, now: with_header(
            k["EdDSA"].sign(claims_for(u, ORIGIN)), {"alg": "none", "kid": k["EdDSA"].kid}
        ),
        "AUTH_INVALID",
    ),
    "hs256-signed-with-the-ed25519-public-key": (
        lambda k, u, now: hs256_with_public_key(k["EdDSA"], claims_for(u, ORIGIN)),
        "AUTH_INVALID",
    ),
    "hs256-signed-with-the-rsa-public-key": (
        lambda k, u, now: hs256_with_public_key(k["RS256"], claims_for(u, ORIGIN)),
        "AUTH_INVALID",
    ),
    "signed-by-another-key-under-a-real-kid": (
        lambda k, u, now: SigningKey.generate("EdDSA").sign(
            claims_for(u, ORIGIN), kid=k["EdDSA"].kid
        ),
        "AUTH_INVALID",
    ),
    "es256-header-on-an-ed25519-kid": (
        lambda k, u, now: k["ES256"].sign(claims_for(u, ORIGIN), kid=k["EdDSA"].kid),
        "AUTH_INVALID",
    ),
    "eddsa-header-on-an-rsa-kid": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN), kid=k["RS256"].kid),
        "AUTH_INVALID",
    ),
    "es512-header-on-a-p256-kid": (
        lambda k, u, now: k["ES512"].sign(claims_for(u, ORIGIN), kid=k["ES256"].kid),
        "AUTH_INVALID",
    ),
    "ps256-with-the-private-key-of-an-rs256-row": (
        lambda k, u, now: k["RS256"].sign(claims_for(u, ORIGIN), alg="PS256"),
        "AUTH_INVALID",
    ),
    "rs256-with-the-private-key-of-a-ps256-row": (
        lambda k, u, now: k["PS256"].sign(claims_for(u, ORIGIN), alg="RS256"),
        "AUTH_INVALID",
    ),
    "tampered-payload": (
        lambda k, u, now: swap_payload(
            k["EdDSA"].sign(claims_for("victim", ORIGIN)), claims_for(u, ORIGIN)
        ),
        "AUTH_INVALID",
    ),
    "tampered-signature": (
        lambda k, u, now: tamper_signature(k["ES256"].sign(claims_for(u, ORIGIN))),
        "AUTH_INVALID",
    ),
    "truncated-signature": (
        lambda k, u, now: k["RS256"].sign(claims_for(u, ORIGIN))[:-10],
        "AUTH_INVALID",
    ),
    "missing-exp": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, exp=...)),
        "AUTH_INVALID",
    ),
    "exp-at-the-60s-leeway": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iat=now - 900, exp=now - 60)),
        "AUTH_EXPIRED",
    ),
    "exp-beyond-the-leeway": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iat=now - 999, exp=now - 65)),
        "AUTH_EXPIRED",
    ),
    "exp-long-past": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iat=now - 9999, exp=now - 9000)),
        "AUTH_EXPIRED",
    ),
    "nbf-beyond-the-leeway": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, nbf=now + 65)),
        "AUTH_INVALID",
    ),
    "iat-beyond-the-leeway": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iat=now + 65, exp=now + 900)),
        "AUTH_INVALID",
    ),
    "wrong-iss": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iss="https://evil.example")),
        "AUTH_INVALID",
    ),
    "iss-with-a-path": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iss=ORIGIN + "/api/auth")),
        "AUTH_INVALID",
    ),
    "missing-iss": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, iss=...)),
        "AUTH_INVALID",
    ),
    "wrong-aud": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, aud="https://evil.example")),
        "AUTH_INVALID",
    ),
    "missing-aud": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, aud=...)),
        "AUTH_INVALID",
    ),
    "missing-kid": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN), kid=""),
        "AUTH_INVALID",
    ),
    "unknown-kid": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN), kid="no-such-kid"),
        "AUTH_INVALID",
    ),
    "kid-not-a-string": (
        lambda k, u, now: hand_made({"alg": "EdDSA", "kid": 7}, claims_for(u, ORIGIN), b"x" * 64),
        "AUTH_INVALID",
    ),
    "oversized-kid": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN), kid="k" * 300),
        "AUTH_INVALID",
    ),
    "attacker-key-embedded-in-the-header": (
        lambda k, u, now: with_embedded_key(SigningKey.generate("EdDSA"), k["EdDSA"].kid, u),
        "AUTH_INVALID",
    ),
    "sub-not-a-string": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, sub=12345)),
        "AUTH_INVALID",
    ),
    "no-user-id-claim": (
        lambda k, u, now: k["EdDSA"].sign(claims_for(u, ORIGIN, sub=..., id=...)),
        "AUTH_INVALID",
    ),
    "key-past-its-expires-at": (
        lambda k, u, now: k["expired"].sign(claims_for(u, ORIGIN)),
        "AUTH_EXPIRED",
    ),
}


@pytest.mark.parametrize("name", FORGERIES)
async def test_forged_or_unacceptable_jwts_are_refused_without_echo(
    api: str, keys: dict[str, SigningKey], user_id: str, name: str
) -> None:
    forge, error_code = FORGERIES[name]
    token = forge(keys, user_id, int(time.time()))
    assert_refused(await get_tasks(api, user_id, token), 401, error_code, token)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"exp": -50}, id="exp-50s-ago-within-leeway"),
        pytest.param({"nbf": +50}, id="nbf-50s-ahead-within-leeway"),
        pytest.param({"iat": +50}, id="iat-50s-ahead-within-leeway"),
    ],
)
async def test_clock_skew_within_the_60s_leeway_is_tolerated(
    api: str, keys: dict[str, SigningKey], user_id: str, overrides: dict[str, int]
) -> None:
    now = int(time.time())
    claims = claims_for(user_id, ORIGIN, **{name: now + delta for name, delta in overrides.items()})
    response = await get_tasks(api, user_id, keys["ES256"].sign(claims))
    assert response.status_code == 200, response.text


async def test_a_jku_header_is_never_followed(
    api: str, keys: dict[str, SigningKey], user_id: str
) -> None:
    attacker = SigningKey.generate("EdDSA")
    async with serve_jwks(attacker.served_jwk()) as attacker_jwks:
        token = attacker.sign(claims_for(user_id, ORIGIN), headers={"jku": attacker_jwks.url})
        assert_refused(await get_tasks(api, user_id, token), 401, "AUTH_INVALID", token)
        assert attacker_jwks.hits == 0


@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
async def test_keys_served_only_at_the_jwks_url_are_accepted(
    fresh_api: str, jwks: JwksServer, user_id: str, alg: Any
) -> None:
    key = SigningKey.generate(alg)
    jwks.reset(key.served_jwk())
    response = await get_tasks(fresh_api, user_id, key.sign(claims_for(user_id, ORIGIN)))
    assert response.status_code == 200, response.text
    assert jwks.hits == 1


async def test_a_flood_of_made_up_kids_fetches_the_jwks_once(
    fresh_api: str, jwks: JwksServer, keys: dict[str, SigningKey], user_id: str
) -> None:
    for number in range(25):
        token = keys["EdDSA"].sign(claims_for(user_id, ORIGIN), kid=f"made-up-{number}")
        assert_refused(await get_tasks(fresh_api, user_id, token), 401, "AUTH_INVALID", token)
    assert jwks.hits == 1
    # Known keys are unaffected by the block.
    good = keys["EdDSA"].sign(claims_for(user_id, ORIGIN))
    assert (await get_tasks(fresh_api, user_id, good)).status_code == 200


async def test_a_rotated_key_is_accepted_without_a_restart(
    fresh_api: str, auth_pool: Any, keys: dict[str, SigningKey], user_id: str
) -> None:
    before = keys["EdDSA"].sign(claims_for(user_id, ORIGIN))
    assert (await get_tasks(fresh_api, user_id, before)).status_code == 200
    rotated = SigningKey.generate("EdDSA")
    await insert_key(auth_pool, rotated)  # what Better Auth's rotation writes
    after = rotated.sign(claims_for(user_id, ORIGIN))
    assert (await get_tasks(fresh_api, user_id, after)).status_code == 200
    assert (await get_tasks(fresh_api, user_id, before)).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://anything.example", "aud": "whatever"},
        {"iss": ORIGIN, "aud": ORIGIN},
        {},
    ],
)
async def test_without_better_auth_url_every_jwt_plugin_token_is_refused(
    base_url: str, keys: dict[str, SigningKey], user_id: str, claims: dict[str, str]
) -> None:
    # The shared app has no BETTER_AUTH_URL: fail closed, whatever iss/aud say.
    token = keys["EdDSA"].sign(claims_for(user_id, None, **claims))
    response = await get_tasks(base_url, user_id, token)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTH_INVALID"
