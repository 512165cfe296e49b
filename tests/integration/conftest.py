"""Fixtures shared by the integration tests: the SQL statements, a pool on the
session's database, a toolbox bound to the test's user and a chat with the
built-in agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from service.agent.toolbox import TaskToolbox
from service.auth.tables import identifiers
from service.db import pool as db
from service.db.queries import Queries, load_queries
from service.http.context import AppContext
from service.settings import Settings
from tests.support.builtin_chat import Chat


@pytest.fixture(scope="module")
def queries() -> Queries:
    return load_queries().bind(identifiers(Settings()))


@pytest.fixture(scope="module")
async def pool(db_settings: Settings) -> AsyncIterator[Any]:
    """One pool per module: every test works on its own fresh user."""
    pool = await db.create_pool(db_settings, db_settings.database_url or "")
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def toolbox(pool: Any, queries: Queries, user_id: str) -> TaskToolbox:
    """The five task tools bound to `user_id`."""
    return TaskToolbox(pool, queries, user_id)


@pytest.fixture
def chat(db_settings: Settings, queries: Queries, pool: Any, user_id: str) -> Chat:
    """A conversation of `user_id` with the built-in agent, stored like the endpoint does."""
    return Chat(AppContext(settings=db_settings, queries=queries, pool=pool), user_id)
