"""The asyncpg pool: how connections are opened, typed, bounded and health-checked.

Every wait has a bound (SPEC 2): opening a connection (CONNECT_TIMEOUT_SECONDS),
waiting for a free one (DATABASE_ACQUIRE_TIMEOUT_SECONDS) and running a statement
(DATABASE_STATEMENT_TIMEOUT_SECONDS). Past any of them the caller gets a
TimeoutError, which the error handlers answer with 503 DATABASE_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import msgspec

from service.settings import Settings

# A refused or unroutable database must turn into a quick 503, never a request
# that hangs for asyncpg's default 60 s.
CONNECT_TIMEOUT_SECONDS = 5.0
# The client-side bound on a statement sits this far past the server's, so the
# server's statement_timeout normally fires first and the client's (which
# cancels the statement through any pooler) is the backstop.
CLIENT_TIMEOUT_MARGIN_SECONDS = 1.0

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


def driver_dsn(url: str) -> str:
    """The URL without our `pgbouncer=true` marker, which drivers would refuse
    (libpq) or send to the server as a setting (asyncpg)."""
    parts = urlsplit(url)
    if "pgbouncer" not in parts.query:
        return url
    kept = [(name, value) for name, value in parse_qsl(parts.query) if name != "pgbouncer"]
    return urlunsplit(parts._replace(query=urlencode(kept)))


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


class BoundedPool:
    """An asyncpg pool whose every `acquire` gives up after the acquire timeout.

    asyncpg's `pool.fetchrow()` and friends wait for a free connection with no
    bound; the queries call these methods instead, so a pool exhausted by
    slow statements answers 503 quickly rather than queueing requests forever.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        acquire_timeout: float,
        on_wait: Callable[[float, bool], None] | None = None,
    ) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        # Told (seconds, timed_out) of every acquire that had to wait.
        self.on_wait = on_wait
        self.max_size = pool.get_max_size()
        # Leases holding or waiting for a connection. Counted here because
        # asyncpg's own counts walk every connection (microseconds a request).
        self.leases = 0

    def acquire(self) -> _Lease:
        """`async with pool.acquire() as connection:` within the acquire timeout."""
        return _Lease(self)

    def usage(self) -> tuple[int, int]:
        """(open connections, connections checked out) right now."""
        size = self.pool.get_size()
        return size, size - self.pool.get_idle_size()

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args)  # type: ignore[no-any-return]

    async def fetchrow(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.acquire() as conn:
            return await conn.execute(query, *args)  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.pool.close()


class _Lease:
    """One pooled connection for an `async with`; TimeoutError past the bound."""

    __slots__ = ("_bounded", "_connection")

    def __init__(self, bounded: BoundedPool) -> None:
        self._bounded = bounded
        self._connection: Any = None

    async def __aenter__(self) -> Any:
        bounded = self._bounded
        bounded.leases += 1
        try:
            if bounded.leases <= bounded.max_size:
                # A connection is idle or may be opened (within the connect
                # timeout): no wait to bound, so no timer, the common case.
                self._connection = await bounded.pool.acquire()
            else:
                self._connection = await self._wait(bounded)
        except BaseException:
            bounded.leases -= 1
            raise
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self._bounded.pool.release(self._connection)
        finally:
            self._bounded.leases -= 1

    @staticmethod
    async def _wait(bounded: BoundedPool) -> Any:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(bounded.acquire_timeout):
                connection = await bounded.pool.acquire()
        except TimeoutError:
            if bounded.on_wait is not None:
                bounded.on_wait(time.perf_counter() - started, True)
            raise
        if bounded.on_wait is not None:
            bounded.on_wait(time.perf_counter() - started, False)
        return connection


async def create_pool(
    settings: Settings, dsn: str, *, on_wait: Callable[[float, bool], None] | None = None
) -> BoundedPool:
    """Open the pool of SPEC 2's size and bounds, with statement caching unless pooled.

    The statement timeout is PostgreSQL's own `statement_timeout`, sent (with
    `plan_cache_mode`) as a startup parameter of each connection (no SET, which a transaction-mode
    pooler would not keep with the client). PgBouncer refuses unknown startup
    parameters, so behind a pooler only the client-side bound applies: asyncpg
    cancels the statement on the server when it passes (docs/deploy notes how
    to add the server-side one there, per role).
    """
    statement_timeout = settings.database_statement_timeout_seconds
    server_settings = (
        {}
        if settings.behind_pooler
        else {
            "statement_timeout": str(int(statement_timeout * 1000)),
            # Every statement is written for one plan whatever its parameters
            # (the list statements are made per shape for it); planning anew
            # on each execution would cost more than most executions do.
            "plan_cache_mode": "force_generic_plan",
        }
    )
    pool = await asyncpg.create_pool(
        driver_dsn(dsn),
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        statement_cache_size=settings.statement_cache_size,
        # Statements stay prepared for the connection's life (asyncpg's default
        # re-prepares each after 5 minutes): ours are a fixed set, so expiry
        # bought nothing but a round trip per statement and connection every
        # 5 minutes, and a timer per cached statement.
        max_cached_statement_lifetime=0,
        timeout=CONNECT_TIMEOUT_SECONDS,
        command_timeout=statement_timeout + CLIENT_TIMEOUT_MARGIN_SECONDS,
        server_settings=server_settings,
        init=_init_connection,
        reset=_keep_session,
    )
    return BoundedPool(
        pool, acquire_timeout=settings.database_acquire_timeout_seconds, on_wait=on_wait
    )


async def database_answers(pool: BoundedPool) -> bool:
    """True when a pooled connection can run a trivial statement now."""
    try:
        await pool.fetchval("SELECT 1")
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    return True
