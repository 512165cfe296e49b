"""Better Auth's side of the shared database, as the tests need it.

The DDL is Better Auth's own (`@better-auth/cli generate` for PostgreSQL,
v1.x, with the jwt() plugin): table `"user"`, `"session"` and `jwks` with
quoted camelCase columns. `ORIGINAL_JWKS_TABLE` is the jwt() plugin's first
schema, before the `expiresAt`, `alg` and `crv` columns were added. Keys are
generated here with cryptography and exported as Better Auth stores them
(jose's exportJWK: only kty/crv/x/y or kty/n/e, no alg, no kid).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import string
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

USER_TABLE = (
    'create table "user" ("id" text not null primary key, "name" text not null, '
    '"email" text not null unique, "emailVerified" boolean not null, "image" text, '
    '"createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz default CURRENT_TIMESTAMP not null)'
)
SESSION_TABLE = (
    'create table "session" ("id" text not null primary key, "expiresAt" timestamptz not null, '
    '"token" text not null unique, "createdAt" timestamptz default CURRENT_TIMESTAMP not null, '
    '"updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, '
    '"userId" text not null references "user" ("id") on delete cascade)'
)
JWKS_TABLE = (
    'create table "jwks" ("id" text not null primary key, "publicKey" text not null, '
    '"privateKey" text not null, "createdAt" timestamptz not null, "expiresAt" timestamptz, '
    '"alg" text, "crv" text)'
)
ORIGINAL_JWKS_TABLE = (
    'create table "jwks" ("id" text not null primary key, "publicKey" text not null, '
    '"privateKey" text not null, "createdAt" timestamp not null)'
)

Algorithm = Literal["EdDSA", "ES256", "ES512", "RS256", "PS256"]
ALGORITHMS: tuple[Algorithm, ...] = ("EdDSA", "ES256", "ES512", "RS256", "PS256")
_PUBLIC_MEMBERS = ("kty", "crv", "x", "y", "n", "e")
_TOKEN_ALPHABET = string.ascii_letters + string.digits


async def create_better_auth_tables(conn: Any, *, jwks: Literal["current", "original"]) -> None:
    jwks_table = JWKS_TABLE if jwks == "current" else ORIGINAL_JWKS_TABLE
    for ddl in (USER_TABLE, SESSION_TABLE, jwks_table):
        await conn.execute(ddl)


@contextlib.asynccontextmanager
async def better_auth_pool(database_url: str) -> AsyncIterator[Any]:
    """A pool on `database_url`, with Better Auth's tables created if missing.

    Tests share these tables and never drop them; each test uses its own
    user ids, tokens and kids.
    """
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(7260421)")
            if await conn.fetchval("SELECT to_regclass('\"session\"') IS NULL"):
                await create_better_auth_tables(conn, jwks="current")
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def scratch_database(
    database_url: str, *, better_auth: Literal["none", "current", "original"]
) -> AsyncIterator[str]:
    """A new, migrated database on the tests' server, dropped afterwards.

    For the cases that must not touch the shared tables: no Better Auth tables
    at all, or the jwt() plugin's original `jwks` schema.
    """
    from service.db.migrate import apply_migrations

    name = f"better_auth_{better_auth}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
        await asyncio.to_thread(apply_migrations, url)
        if better_auth != "none":
            conn = await asyncpg.connect(url)
            try:
                await create_better_auth_tables(conn, jwks=better_auth)
            finally:
                await conn.close()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# --- users and sessions ------------------------------------------------------


def new_session_token() -> str:
    """A token shaped like Better Auth's (generateId(32): 32 alphanumerics)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


def sign(token: str, secret: str, *, percent_encoded: bool = True) -> str:
    """What better-call's signCookieValue makes of a token: the cookie value."""
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    signed = f"{token}.{base64.b64encode(digest).decode()}"
    return quote(signed, safe="") if percent_encoded else signed


async def insert_user(conn: Any, user_id: str) -> None:
    await conn.execute(
        'INSERT INTO "user" (id, name, email, "emailVerified") VALUES ($1, $2, $3, false) '
        "ON CONFLICT (id) DO NOTHING",
        user_id,
        "Test User",
        f"{user_id}@example.test",
    )


async def insert_session(
    conn: Any, user_id: str, *, expires_in: timedelta = timedelta(days=7)
) -> str:
    """A session row for `user_id` (created if needed); returns its token."""
    await insert_user(conn, user_id)
    token = new_session_token()
    now = datetime.now(UTC)
    await conn.execute(
        'INSERT INTO "session" (id, "expiresAt", token, "updatedAt", "userId") '
        "VALUES ($1, $2, $3, $4, $5)",
        uuid.uuid4().hex,
        now + expires_in,
        token,
        now,
        user_id,
    )
    return token


async def delete_session(conn: Any, token: str) -> None:
    """What Better Auth's sign-out does to the row."""
    await conn.execute('DELETE FROM "session" WHERE token = $1', token)


# --- jwt() plugin keys -----------------------------------------------------------


@dataclass
class SigningKey:
    """A jwt() plugin key pair: the private half signs, the public half is stored."""

    alg: Algorithm
    private_key: Any
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def generate(cls, alg: Algorithm = "EdDSA") -> SigningKey:
        private_key: Any
        if alg == "EdDSA":
            private_key = ed25519.Ed25519PrivateKey.generate()
        elif alg == "ES256":
            private_key = ec.generate_private_key(ec.SECP256R1())
        elif alg == "ES512":
            private_key = ec.generate_private_key(ec.SECP521R1())
        else:
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(alg, private_key)

    @property
    def crv(self) -> str | None:
        return {"EdDSA": "Ed25519", "ES256": "P-256", "ES512": "P-521"}.get(self.alg)

    def public_jwk(self) -> dict[str, Any]:
        """The `publicKey` column's JSON: jose's exportJWK of the public key."""
        exported = jwt.get_algorithm_by_name(self.alg).to_jwk(
            self.private_key.public_key(), as_dict=True
        )
        return {member: exported[member] for member in _PUBLIC_MEMBERS if member in exported}

    def served_jwk(self) -> dict[str, Any]:
        """The key as Better Auth's /api/auth/jwks endpoint serves it."""
        served: dict[str, Any] = {"alg": self.alg}
        if self.crv:
            served["crv"] = self.crv
        return {**served, **self.public_jwk(), "kid": self.kid}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        alg: str | None = None,
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A JWT signed with this key; `kid=""` leaves the kid out."""
        header: dict[str, Any] = {"kid": self.kid if kid is None else kid, **(headers or {})}
        if header["kid"] == "":
            del header["kid"]
        return jwt.encode(claims, self.private_key, algorithm=alg or self.alg, headers=header)


async def insert_key(
    conn: Any,
    key: SigningKey,
    *,
    expires_at: datetime | None = None,
    with_alg: bool = True,
    original_schema: bool = False,
) -> None:
    """Store `key` as the jwt() plugin does (private half only as opaque text)."""
    public_key = json.dumps(key.public_jwk())
    private_key = json.dumps(secrets.token_hex(48))  # stands in for the encrypted JWK
    if original_schema:
        await conn.execute(
            'INSERT INTO jwks (id, "publicKey", "privateKey", "createdAt") '
            "VALUES ($1, $2, $3, now())",
            key.kid,
            public_key,
            private_key,
        )
        return
    await conn.execute(
        'INSERT INTO jwks (id, "publicKey", "privateKey", "createdAt", "expiresAt", alg, crv) '
        "VALUES ($1, $2, $3, now(), $4, $5, $6)",
        key.kid,
        public_key,
        private_key,
        expires_at,
        key.alg if with_alg else None,
        key.crv if with_alg else None,
    )


def claims_for(user_id: str, origin: str | None, **overrides: Any) -> dict[str, Any]:
    """A jwt() plugin payload: the user object plus sub, iat, exp (15 min), iss, aud."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "id": user_id,
        "name": "Test User",
        "email": f"{user_id}@example.test",
        "emailVerified": False,
        "image": None,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "iat": now,
        "sub": user_id,
        "exp": now + 15 * 60,
    }
    if origin is not None:
        claims["iss"] = origin
        claims["aud"] = origin
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not ...}


# --- responses -----------------------------------------------------------------


def assert_refused(response: Any, status: int, error_code: str, credential: str) -> None:
    """A SPEC 4 refusal with this code, that echoes no part of the credential."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == error_code, body
    assert set(body) == {"detail", "error_code"}, body
    for fragment in {credential, *credential.split(".")} - {""}:
        if len(fragment) >= 8:
            assert fragment not in response.text
            assert all(fragment not in value for value in response.headers.values())
