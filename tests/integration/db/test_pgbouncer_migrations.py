"""Migrations through a real PgBouncer in transaction mode (SPEC 7).

The migration lock is an advisory lock of an open transaction, which a
transaction-mode pooler keeps on one server connection, and no statement is
prepared by name, so a pooled URL can run the migrations too.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psycopg
import pytest

from service.db.migrate import MIGRATIONS_DIR, apply_migrations
from service.db.pool import driver_dsn
from tests.support.databases import scratch_database, with_database
from tests.support.pgbouncer import pgbouncer_in_front_of

MIGRATIONS = len([p for p in MIGRATIONS_DIR.glob("*.sql") if not p.stem.endswith(".rollback")])


@pytest.fixture(scope="module")
def pooled_url(database_url: str) -> Iterator[str]:
    with pgbouncer_in_front_of(database_url) as url:
        yield url


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    with scratch_database(database_url) as url:
        yield url


def test_replicas_migrating_at_once_through_pgbouncer_apply_each_migration_once(
    pooled_url: str, empty_database: str
) -> None:
    through_pooler = with_database(pooled_url, urlsplit(empty_database).path.lstrip("/"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        applied = list(pool.map(apply_migrations, [through_pooler] * 4))
    assert sorted(applied) == [0, 0, 0, MIGRATIONS]
    # What the pooled connections did is there for a direct one.
    with psycopg.connect(empty_database) as conn:
        count = conn.execute("SELECT count(*) FROM _yoyo_migration").fetchone()
        assert count == (MIGRATIONS,)
        lock_holders = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        ).fetchone()
        assert lock_holders == (0,)  # the lock went with its transaction
    assert apply_migrations(through_pooler) == 0


def test_the_pooler_marker_is_read_by_us_and_never_sent_to_a_driver(pooled_url: str) -> None:
    assert "pgbouncer=true" in pooled_url
    assert "pgbouncer" not in driver_dsn(pooled_url)
    with psycopg.connect(driver_dsn(pooled_url), prepare_threshold=None) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
