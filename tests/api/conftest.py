"""The app served over real HTTP against the session's database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from service.settings import Settings
from tests.support.server import client_for, live_server


@pytest.fixture(scope="session")
async def base_url(db_settings: Settings) -> AsyncIterator[str]:
    async with live_server(db_settings) as url:
        yield url


@pytest.fixture
async def client(base_url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as `user_id`."""
    async with client_for(base_url, token) as client:
        yield client


@pytest.fixture
async def anonymous(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(base_url) as client:
        yield client
