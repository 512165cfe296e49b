"""JWTs from Better Auth's `jwt()` plugin, verified with its public keys (SPEC 3).

The plugin signs with EdDSA (Ed25519) by default, or ES256, ES512, RS256 or
PS256, and names the key in the header's `kid`. `KeyStore` finds that key
first in the shared database's `jwks` table (public half only), else at the
JWKS URL, and keeps public keys in memory by kid. `JwksVerifier` checks the
token with the key, only with the algorithms that key type signs with.

Refreshes (one query, plus one HTTP fetch when the database lacks the kid)
happen when a kid is not cached or its entry is older than `max_age`. A
refresh that does not find the kid it was asked for, or whose sources failed,
blocks the next one for `refresh_interval` (30 s): a flood of made-up kids
costs one database query and one JWKS fetch per 30 s, while a genuinely new
key after a rotation is picked up at once in the normal case.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import asyncpg
import jwt
import msgspec

from service.auth.hs256 import decode_verified, user_id_from_claims
from service.http.context import AppContext
from service.http.errors import DATABASE_DOWN_ERRORS, AuthExpired, AuthInvalid, database_unavailable

if TYPE_CHECKING:
    # Imported only where a JWKS URL is fetched: a deployment that reads its
    # keys from the shared database never loads it (megabytes per worker).
    import httpx

logger = logging.getLogger("service.auth")

REFRESH_INTERVAL_SECONDS = 30.0
# Cached keys are re-read this often, so a key deleted from the table (or
# dropped from the JWKS) stops verifying without a restart.
MAX_KEY_AGE_SECONDS = 300.0
JWKS_TIMEOUT_SECONDS = 3.0  # per connect, read or write
# The whole fetch, however the server trickles its bytes.
JWKS_DEADLINE_SECONDS = 5.0
MAX_JWKS_BYTES = 256 * 1024
MAX_KID_LENGTH = 256
MIN_RSA_BITS = 2048

# The algorithms Better Auth's jwt() plugin signs with, by key type and curve.
# RSA keys stored without an `alg` (older Better Auth) may be either RSA alg.
KEY_ALGORITHMS: dict[tuple[str, str | None], frozenset[str]] = {
    ("OKP", "Ed25519"): frozenset({"EdDSA"}),
    ("EC", "P-256"): frozenset({"ES256"}),
    ("EC", "P-521"): frozenset({"ES512"}),
    ("RSA", None): frozenset({"RS256", "PS256"}),
}
# Only these members are read from a JWK, so a private key published by
# mistake is never held in memory as one.
PUBLIC_MEMBERS = ("kty", "crv", "x", "y", "n", "e")


class UnusableKey(ValueError):
    """A stored or served JWK that cannot verify jwt() plugin tokens."""


@dataclass(frozen=True)
class PublicKey:
    """One verification key, with what may be verified with it and until when."""

    kid: str
    algorithms: frozenset[str]
    key: Any
    expires_at: datetime | None
    source: Literal["database", "url"]
    loaded_at: float

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def parse_public_key(
    jwk: object, *, alg: str | None = None, crv: str | None = None
) -> tuple[frozenset[str], Any]:
    """The algorithms a JWK may verify and its public key; `UnusableKey` otherwise.

    `alg`/`crv` are the jwks table's columns when present; a declared alg must
    fit the key type, so a row cannot turn an Ed25519 key into an RSA one.
    """
    if not isinstance(jwk, dict):
        raise UnusableKey("the JWK is not a JSON object")
    kty = jwk.get("kty")
    key_crv = None if kty == "RSA" else jwk.get("crv")
    candidates = KEY_ALGORITHMS.get((str(kty), key_crv if isinstance(key_crv, str) else None))
    if candidates is None:
        raise UnusableKey(f"unsupported key type {kty!r}/{key_crv!r}")
    if crv is not None and crv != key_crv:
        raise UnusableKey("the crv column disagrees with the key")
    if jwk.get("use", "sig") != "sig":
        raise UnusableKey("the key is not a signing key")
    declared = alg or jwk.get("alg")
    if declared is not None:
        if declared not in candidates:
            raise UnusableKey(f"alg {declared!r} does not fit a {kty} key")
        candidates = frozenset({declared})
    public = {member: jwk[member] for member in PUBLIC_MEMBERS if member in jwk}
    try:
        key = jwt.PyJWK(public, algorithm=min(candidates)).key
    except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
        raise UnusableKey(f"the key material is invalid: {type(exc).__name__}") from None
    if kty == "RSA" and key.key_size < MIN_RSA_BITS:
        raise UnusableKey("the RSA key is too short")
    return candidates, key


class _JwksDocument(msgspec.Struct):
    keys: list[dict[str, Any]]


_json_object = msgspec.json.Decoder(dict[str, Any])
_jwks_document = msgspec.json.Decoder(_JwksDocument)


class KeyStore:
    """Public keys by kid: the `jwks` table first, then the JWKS URL.

    Use as `async with store:` (the app's lifespan) so the HTTP client is
    opened and closed with the app. `context.pool` is read on each refresh,
    since the pool only exists once the app has started.
    """

    def __init__(
        self,
        context: AppContext,
        *,
        jwks_url: str | None,
        clock: Callable[[], float] = time.monotonic,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
        max_age: float = MAX_KEY_AGE_SECONDS,
        fetch_deadline: float = JWKS_DEADLINE_SECONDS,
    ) -> None:
        self._context = context
        self._jwks_url = jwks_url
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._max_age = max_age
        self._fetch_deadline = fetch_deadline
        self._keys: dict[str, PublicKey] = {}
        self._lock = asyncio.Lock()
        self._blocked_until: float | None = None
        self._database_was_down = False
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> KeyStore:
        if self._jwks_url and self._http is None:
            self._http = _http_client()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def find(self, kid: str) -> PublicKey | None:
        """The key named `kid`, refreshing when allowed; None when unknown.

        Raises 503 DATABASE_UNAVAILABLE when the key is not cached and the
        database (the only source, or the one that failed) cannot be asked.
        """
        entry = self._keys.get(kid)
        if entry is not None and (self._fresh(entry) or self._lock.locked()):
            # A known key never waits for a refresh another request is running
            # (possibly against a slow JWKS URL): the cached key serves meanwhile.
            return entry
        async with self._lock:
            entry = self._keys.get(kid)
            if entry is not None and self._fresh(entry):
                return entry  # refreshed by a request that held the lock
            if self._blocked_until is not None and self._clock() < self._blocked_until:
                if entry is None and self._database_was_down:
                    raise database_unavailable()
                return entry  # a stale key beats none while refreshes wait
            sources_failed = await self._refresh(kid)
            self._context.metrics.jwks_refresh("failed" if sources_failed else "ok")
            entry = self._keys.get(kid)
            if entry is None or sources_failed:
                self._blocked_until = self._clock() + self._refresh_interval
            if entry is None and self._database_was_down:
                raise database_unavailable()
            return entry

    def _fresh(self, entry: PublicKey) -> bool:
        return self._clock() - entry.loaded_at < self._max_age

    async def _refresh(self, kid: str) -> bool:
        """Reload the keys; True when a source could not be read."""
        now = self._clock()
        database_keys = await self._database_keys(now)
        self._database_was_down = database_keys is None
        if database_keys is None:  # keep what we had rather than nothing
            database_keys = [k for k in self._keys.values() if k.source == "database"]
        url_keys = [k for k in self._keys.values() if k.source == "url"]
        url_failed = False
        if self._jwks_url and kid not in {k.kid for k in database_keys}:
            fetched = await self._url_keys(self._jwks_url, now)
            url_failed = fetched is None
            url_keys = url_keys if fetched is None else fetched
        keys = {k.kid: k for k in url_keys}
        keys.update({k.kid: k for k in database_keys})  # the database wins a tie
        self._keys = keys
        return self._database_was_down or url_failed

    async def _database_keys(self, now: float) -> list[PublicKey] | None:
        """Keys of the `jwks` table; [] without the table, None when down."""
        pool = self._context.pool
        if pool is None:
            return None
        try:
            rows = await self._context.queries.better_auth_public_keys(pool)
        except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
            return []  # Better Auth's jwt() plugin is not in this database
        except DATABASE_DOWN_ERRORS as exc:
            logger.warning("jwks table unreadable: database unavailable (%s)", type(exc).__name__)
            return None
        keys = []
        for row in rows:
            try:
                jwk = _json_object.decode(row["public_key"])
                algorithms, key = parse_public_key(jwk, alg=row["alg"], crv=row["crv"])
            except (msgspec.DecodeError, UnusableKey) as exc:
                logger.warning("jwks row %r skipped: %s", row["id"], exc)
                continue
            keys.append(PublicKey(row["id"], algorithms, key, row["expires_at"], "database", now))
        return keys

    async def _url_keys(self, url: str, now: float) -> list[PublicKey] | None:
        """Keys served at the JWKS URL; None when it cannot be fetched."""
        import httpx

        if self._http is None:
            self._http = _http_client()
        try:
            async with (
                asyncio.timeout(self._fetch_deadline),
                self._http.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    logger.warning("JWKS fetch failed: HTTP %d", response.status_code)
                    return None
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        logger.warning("JWKS fetch failed: document over %d bytes", MAX_JWKS_BYTES)
                        return None
            document = _jwks_document.decode(body)
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            logger.warning("JWKS fetch failed: %s", type(exc).__name__)
            return None
        except msgspec.DecodeError:
            logger.warning("JWKS fetch failed: not a JWKS document")
            return None
        keys = []
        for jwk in document.keys:
            kid = jwk.get("kid")
            try:
                if not isinstance(kid, str) or not kid:
                    raise UnusableKey("the key has no kid")
                algorithms, key = parse_public_key(jwk)
            except UnusableKey as exc:
                logger.warning("JWKS key skipped: %s", exc)
                continue
            keys.append(PublicKey(kid, algorithms, key, None, "url", now))
        return keys


def _http_client() -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(
        timeout=JWKS_TIMEOUT_SECONDS,
        follow_redirects=False,
        headers={"Accept": "application/json"},
    )


class JwksVerifier:
    """Verifies the jwt() plugin's tokens: key by kid, alg by key type, iss/aud."""

    def __init__(self, keys: KeyStore, *, origin: str | None) -> None:
        self._keys = keys
        self._origin = origin

    async def verify(self, token: str) -> str:
        """The user id of a valid token; 401 errors otherwise.

        Fails closed: without BETTER_AUTH_URL there is no origin for `iss` and
        `aud` to equal, so every such token is refused (`create_app` says so
        once at start).
        """
        if self._origin is None:
            raise AuthInvalid("The token is invalid.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthInvalid("The token is invalid.") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH:
            raise AuthInvalid("The token is invalid.")
        key = await self._keys.find(kid)
        if key is None or algorithm not in key.algorithms:
            raise AuthInvalid("The token is invalid.")
        claims = decode_verified(
            token, key.key, [str(algorithm)], issuer=self._origin, audience=self._origin
        )
        if key.expired(datetime.now(UTC)) and not _issued_before(claims, key):
            # Signed with a key already retired when the token was issued.
            raise AuthExpired("The token's signing key has expired; get a new token.")
        return user_id_from_claims(claims)


def _issued_before(claims: dict[str, Any], key: PublicKey) -> bool:
    """Whether the token was issued (`iat`) while its key was still current.

    Better Auth keeps serving a rotated key for its grace period, and its own
    verifyJWT accepts what the key signed before it expired, within the
    token's own lifetime (`exp`, checked by the decode). Nothing else loosens.
    """
    issued_at = claims.get("iat")
    if key.expires_at is None or not isinstance(issued_at, int | float):
        return False
    return datetime.fromtimestamp(issued_at, UTC) < key.expires_at
