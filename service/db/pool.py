"""The asyncpg pool: how connections are opened, typed and health-checked."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from service.settings import Settings

# A refused or unroutable database must turn into a quick 503, never a request
# that hangs for asyncpg's default 60 s.
CONNECT_TIMEOUT_SECONDS = 5.0
ACQUIRE_TIMEOUT_SECONDS = 10.0
COMMAND_TIMEOUT_SECONDS = 30.0

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


async def _init_connection(conn: asyncpg.Connection) -> None:
    # JSON columns round-trip through msgspec: faster than the json module and
    # the same encoder the responses use.
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=lambda value: _json_encode(value).decode(),
            decoder=_json_decode,
            format="text",
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release a connection to the pool without asyncpg's reset statement.

    By default asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` on every release: a second round trip for every
    one-statement request (tests/api/test_round_trips.py counts them). The
    service leaves no session state behind: no LISTEN, session-level SET,
    advisory lock or cursor outside a transaction (migrations use their own
    connection), and asyncpg still rolls back an open transaction before it
    calls this. Code that starts using session state must reset it itself.
    """


async def create_pool(settings: Settings, dsn: str) -> Any:
    """Open the pool of SPEC 2's size, with statement caching unless pooled."""
    return await asyncpg.create_pool(
        dsn,
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        statement_cache_size=settings.statement_cache_size,
        timeout=CONNECT_TIMEOUT_SECONDS,
        command_timeout=COMMAND_TIMEOUT_SECONDS,
        init=_init_connection,
        reset=_keep_session,
    )


async def database_answers(pool: Any) -> bool:
    """True when a pooled connection can run a trivial statement now."""
    try:
        async with pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            await conn.fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    return True
