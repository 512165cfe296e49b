"""Fixtures every test layer shares: settings, a real database, tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace

import pytest

from service.auth.hs256 import mint_token
from service.settings import Settings
from tests.support.database import database_for_tests
from tests.support.fake_llm import FakeLLM, fake_llm

TEST_SECRET = "test-secret-that-is-long-enough-for-production-0123456789"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Defaults of SPEC 2 with a known secret; tests `replace()` what they vary.

    The per-user rate limits are off: some tests make hundreds of requests as
    one user on purpose; tests/api/http/test_rate_limits.py turns them on.
    """
    return Settings(
        better_auth_secret=TEST_SECRET,
        log_format="text",
        database_url="unset",
        api_rate_limit_per_minute=0,
        chat_rate_limit_per_minute=0,
    )


@pytest.fixture
def user_id() -> str:
    """A fresh user per test, so tests never see each other's data."""
    return f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_token(settings: Settings) -> Callable[..., str]:
    def make(user: str, **kwargs: object) -> str:
        return mint_token(settings.better_auth_secret, user, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def token(make_token: Callable[..., str], user_id: str) -> str:
    return make_token(user_id)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A real, migrated PostgreSQL for the whole session."""
    from service.db.migrate import apply_migrations

    with database_for_tests() as url:
        apply_migrations(url)
        yield url


@pytest.fixture(scope="session")
def db_settings(settings: Settings, database_url: str) -> Settings:
    return replace(settings, database_url=database_url)


@pytest.fixture(scope="module")
async def llm_server() -> AsyncIterator[FakeLLM]:
    """A fake OpenAI-compatible provider, one per test module."""
    async with fake_llm() as fake:
        yield fake


@pytest.fixture
def llm(llm_server: FakeLLM) -> FakeLLM:
    """The module's fake provider with an empty script and no recorded requests."""
    llm_server.reset()
    return llm_server
