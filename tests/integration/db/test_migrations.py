"""The yoyo migrations: apply, roll back, and replicas starting together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from yoyo import get_backend, read_migrations

from service.db.migrate import MIGRATIONS_DIR, apply_migrations, rollback_all, yoyo_url
from tests.support.databases import scratch_database

MIGRATIONS = len([p for p in MIGRATIONS_DIR.glob("*.sql") if not p.stem.endswith(".rollback")])
OUR_TABLES = {"tasks", "conversations", "messages"}
BETTER_AUTH_TABLES = {"user", "session", "account", "verification", "jwks"}


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    with scratch_database(database_url) as url:
        yield url


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {row[0] for row in rows} & (OUR_TABLES | BETTER_AUTH_TABLES)


def test_migrations_create_our_tables_and_none_of_better_auths(empty_database: str) -> None:
    assert apply_migrations(empty_database) == MIGRATIONS
    assert tables(empty_database) == OUR_TABLES
    assert apply_migrations(empty_database) == 0  # idempotent


def test_rollbacks_remove_everything_and_reapply_cleanly(empty_database: str) -> None:
    apply_migrations(empty_database)
    rollback_all(empty_database)
    assert tables(empty_database) == set()
    assert apply_migrations(empty_database) == MIGRATIONS
    assert tables(empty_database) == OUR_TABLES


def test_replicas_migrating_at_once_apply_each_migration_exactly_once(
    empty_database: str,
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        applied = list(pool.map(apply_migrations, [empty_database] * 4))
    assert sorted(applied) == [0, 0, 0, MIGRATIONS]
    assert tables(empty_database) == OUR_TABLES


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("INSERT INTO tasks (user_id, title) VALUES ('u', '')", "tasks_title_check"),
        ("INSERT INTO tasks (user_id, title) VALUES ('u', ' padded ')", "tasks_title_check"),
        (
            "INSERT INTO tasks (user_id, title, priority) VALUES ('u', 't', 'urgent')",
            "tasks_priority_check",
        ),
        (
            "INSERT INTO tasks (user_id, title, completed) VALUES ('u', 't', true)",
            "tasks_completed_at_matches",
        ),
        (
            "INSERT INTO tasks (user_id, title, tags) VALUES ('u', 't', '{a,b,c,d,e,f,g,h,i,j,k}')",
            "tasks_tags_check",
        ),
        (
            "INSERT INTO conversations (user_id, title) VALUES ('u', repeat('x', 81))",
            "conversations_title_check",
        ),
        (
            "INSERT INTO tasks (user_id, title, due_at) VALUES ('u', 't', '10000-01-01Z')",
            "tasks_due_at_range",
        ),
        (
            "INSERT INTO tasks (user_id, title, due_at) VALUES ('u', 't', '0001-01-01 BC')",
            "tasks_due_at_range",
        ),
    ],
)
def test_check_constraints_mirror_the_contract(
    empty_database: str, statement: str, constraint: str
) -> None:
    apply_migrations(empty_database)
    with (
        psycopg.connect(empty_database) as conn,
        pytest.raises(psycopg.errors.CheckViolation) as err,
    ):
        conn.execute(statement)
    assert err.value.diag.constraint_name == constraint


def test_deleting_a_conversation_deletes_its_messages(empty_database: str) -> None:
    apply_migrations(empty_database)
    with psycopg.connect(empty_database) as conn:
        conversation_id = conn.execute(
            "INSERT INTO conversations (user_id) VALUES ('u') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO messages (conversation_id, user_id, role, content) "
            "VALUES (%s, 'u', 'user', 'hi')",
            (conversation_id,),
        )
        conn.execute("DELETE FROM conversations WHERE id = %s", (conversation_id,))
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (0,)


def apply_migrations_up_to(url: str, last: str) -> None:
    backend = get_backend(yoyo_url(url))
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        backend.apply_migrations(backend.to_apply(migrations.filter(lambda m: m.id <= last)))


def test_due_dates_stored_out_of_range_are_repaired_by_the_range_migration(
    empty_database: str,
) -> None:
    apply_migrations_up_to(empty_database, "0002.conversations")
    with psycopg.connect(empty_database) as conn:
        conn.execute(
            "INSERT INTO tasks (user_id, title, due_at) VALUES "
            "('u', 'late', '10000-01-01 01:00:00+01'), ('u', 'early', '0001-12-31 BC'), "
            "('u', 'fine', '2026-12-01Z')"
        )
    assert apply_migrations(empty_database) == MIGRATIONS - 2
    with psycopg.connect(empty_database) as conn:
        rows = conn.execute("SELECT title, due_at FROM tasks ORDER BY id").fetchall()
    assert rows == [
        ("late", dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)),
        ("early", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("fine", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    ]
