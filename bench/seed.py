"""A realistic data set, loaded with COPY so that seeding takes seconds.

Users get tasks of every shape the API allows (descriptions, priorities, due
dates, tags, some completed) spread over the last two months, and a share of
them a conversation with alternating user and assistant messages.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import asyncpg

PRIORITIES = ("none", "none", "low", "medium", "high")
TAGS = ("work", "home", "errands", "health", "money", "family", "urgent", "later")
VERBS = ("buy", "call", "email", "fix", "book", "renew", "pay", "clean", "plan", "review")
SESSION_TABLE = (
    'CREATE TABLE IF NOT EXISTS "session" ("id" text PRIMARY KEY, "expiresAt" timestamptz '
    'NOT NULL, "token" text NOT NULL UNIQUE, "createdAt" timestamptz NOT NULL DEFAULT now(), '
    '"updatedAt" timestamptz NOT NULL, "ipAddress" text, "userAgent" text, "userId" text NOT NULL)'
)
THINGS = ("milk", "the dentist", "mom", "passport", "rent", "the car", "report", "tickets")


@dataclass(frozen=True)
class Shape:
    """How much to seed."""

    users: int = 1000
    tasks_per_user: int = 50
    conversations: int = 200
    messages_per_conversation: int = 20
    # The scale case (SCALE=1): users with a long history, among a million rows.
    big_users: int = 0
    big_tasks_per_user: int = 10_000


@dataclass
class Dataset:
    """What the scenarios need to address the seeded rows."""

    users: list[str]
    task_ids: dict[str, list[int]] = field(default_factory=dict)
    big_users: list[str] = field(default_factory=list)
    # Better Auth session tokens (unsigned) of the standard users, by user.
    session_tokens: dict[str, str] = field(default_factory=dict)
    conversation_ids: dict[str, int] = field(default_factory=dict)


def user_name(index: int) -> str:
    return f"bench-user-{index:05d}"


def task_rows(users: list[str], per_user: int, rng: random.Random) -> list[tuple[object, ...]]:
    now = dt.datetime.now(dt.UTC)
    rows: list[tuple[object, ...]] = []
    for user in users:
        for _ in range(per_user):
            created = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
            due = created + dt.timedelta(days=rng.randrange(1, 30))
            completed = rng.random() < 0.3
            rows.append(
                (
                    user,
                    f"{rng.choice(VERBS)} {rng.choice(THINGS)}",
                    "Details worth a sentence or two." if rng.random() < 0.4 else None,
                    completed,
                    rng.choice(PRIORITIES),
                    due if rng.random() < 0.5 else None,
                    rng.sample(TAGS, rng.randrange(0, 3)),
                    created,
                    created,
                    created + dt.timedelta(hours=1) if completed else None,
                )
            )
    return rows


async def seed(dsn: str, shape: Shape, *, rng_seed: int = 7) -> Dataset:
    """Load `shape` into an empty, migrated database and return its ids."""
    rng = random.Random(rng_seed)
    users = [user_name(i) for i in range(shape.users)]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "tasks",
            records=task_rows(users, shape.tasks_per_user, rng),
            columns=[
                "user_id", "title", "description", "completed", "priority",
                "due_at", "tags", "created_at", "updated_at", "completed_at",
            ],
        )  # fmt: skip
        big_users = [f"bench-big-{i:04d}" for i in range(shape.big_users)]
        for start in range(0, len(big_users), 10):  # a batch of rows at a time
            await conn.copy_records_to_table(
                "tasks",
                records=task_rows(big_users[start : start + 10], shape.big_tasks_per_user, rng),
                columns=[
                    "user_id", "title", "description", "completed", "priority",
                    "due_at", "tags", "created_at", "updated_at", "completed_at",
                ],
            )  # fmt: skip
        talkers = users[: shape.conversations]
        await conn.copy_records_to_table(
            "conversations",
            records=[(user, "add buy milk") for user in talkers],
            columns=["user_id", "title"],
        )
        conversation_of = {
            row["user_id"]: row["id"]
            for row in await conn.fetch("SELECT id, user_id FROM conversations")
        }
        messages = [
            (
                conversation_of[user],
                user,
                "user" if n % 2 == 0 else "assistant",
                "add buy milk" if n % 2 == 0 else "Added task: buy milk.",
                "[]",
            )
            for user in talkers
            for n in range(shape.messages_per_conversation)
        ]
        await conn.copy_records_to_table(
            "messages",
            records=messages,
            columns=["conversation_id", "user_id", "role", "content", "tool_calls"],
        )
        # Better Auth's session table (its own DDL, without the user foreign
        # key), one live session per standard user, for the session-token path.
        await conn.execute(SESSION_TABLE)
        sessions = {user: f"{rng.getrandbits(128):032x}" for user in users}
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        await conn.copy_records_to_table(
            "session",
            records=[
                (f"s-{user}", expires, token, expires, user) for user, token in sessions.items()
            ],
            columns=["id", "expiresAt", "token", "updatedAt", "userId"],
        )
        # A steady state: autovacuum would have pruned the counters' row versions.
        await conn.execute("VACUUM (ANALYZE)")
        dataset = Dataset(
            users=users,
            conversation_ids=conversation_of,
            big_users=big_users,
            session_tokens=sessions,
        )
        ids = "SELECT user_id, id FROM tasks WHERE user_id NOT LIKE 'bench-big-%' ORDER BY id"
        for row in await conn.fetch(ids):
            dataset.task_ids.setdefault(row["user_id"], []).append(row["id"])
        return dataset
    finally:
        await conn.close()
