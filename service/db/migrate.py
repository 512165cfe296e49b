"""Apply the yoyo migrations in `migrations/`, safely from many replicas at once."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
from yoyo import get_backend, read_migrations

from service.db.pool import driver_dsn

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Any constant works; it only has to be the same in every replica.
MIGRATION_LOCK_KEY = 7_160_203_101

logger = logging.getLogger("service.migrate")


def yoyo_url(database_url: str) -> str:
    """yoyo picks its driver from the scheme; we use psycopg 3."""
    scheme, _, rest = database_url.partition("://")
    if scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, not {scheme}://")
    return f"postgresql+psycopg://{rest}"


def apply_migrations(database_url: str) -> int:
    """Apply pending migrations; return how many ran.

    Replicas starting together serialise on an advisory lock held by an open
    transaction on a connection of our own, so exactly one applies the
    migrations and the others then find nothing to do. (yoyo's own lock table
    can itself race on first creation.) A transaction-level lock, because a
    transaction-mode pooler (PgBouncer, Neon's) keeps a transaction on one
    server connection but not a session; and no prepared statements, which
    such a pooler cannot follow either. So migrations run through a pooler
    as well as directly.
    """
    database_url = driver_dsn(database_url)
    with psycopg.connect(database_url, prepare_threshold=None) as lock_conn:
        lock_conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            backend = get_backend(yoyo_url(database_url))
            backend.connection.prepare_threshold = None
            migrations = read_migrations(str(MIGRATIONS_DIR))
            with backend.lock():
                pending = backend.to_apply(migrations)
                backend.apply_migrations(pending)
            for migration in pending:
                logger.info("applied migration %s", migration.id)
            return len(pending)
        finally:
            lock_conn.rollback()  # ends the transaction, and so the lock


def rollback_all(database_url: str) -> None:
    """Roll every migration back (used by the tests of the rollbacks)."""
    backend = get_backend(yoyo_url(database_url))
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        backend.rollback_migrations(backend.to_rollback(migrations))


if __name__ == "__main__":  # `python -m service serve` migrates in a child process
    import sys

    from service.logs import configure_logging
    from service.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    applied = apply_migrations(settings.migrations_database_url or settings.database_url or "")
    logger.info("migrations: %d applied", applied)
    sys.exit(0)
