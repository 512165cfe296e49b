"""`make loadtest`: locustfile.py, headless, against a service started here.

The service runs as in `make bench` (an embedded PostgreSQL in a temp dir,
127.0.0.1 only); locust runs for LOADTEST_TIME (30s) with LOADTEST_USERS (20)
users and prints its summary. The exit code is locust's: 1 when any request
failed or any response had the wrong shape.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.server import REPO, exit_on_sigterm, free_port, serve, service_environment


def main() -> int:
    users = os.environ.get("LOADTEST_USERS", "20")
    exit_on_sigterm()
    run_time = os.environ.get("LOADTEST_TIME", "30s")
    workers = int(os.environ.get("WORKERS", "1"))
    secret = secrets.token_urlsafe(48)
    from service.db.devdb import EmbeddedDatabase
    from service.db.migrate import apply_migrations

    with tempfile.TemporaryDirectory(prefix="loadtest-") as directory:
        workdir = Path(directory)
        database = EmbeddedDatabase(workdir / "pgdata")
        try:
            apply_migrations(database.url)
            env = service_environment(database.url, secret, free_port(), workers)
            with serve("service", env, workdir) as (port, _group):
                locust = subprocess.run(
                    [
                        sys.executable, "-m", "locust",
                        "--locustfile", str(REPO / "locustfile.py"),
                        "--headless", "--only-summary",
                        "--users", users, "--spawn-rate", users,
                        "--run-time", run_time, "--stop-timeout", "10",
                        "--host", f"http://127.0.0.1:{port}",
                    ],
                    env={**os.environ, "BETTER_AUTH_SECRET": secret},
                    cwd=REPO,
                    check=False,
                )  # fmt: skip
        finally:
            database.stop()
    print(f"\nlocust: {users} users for {run_time} against WORKERS={workers} on 127.0.0.1")
    return locust.returncode


if __name__ == "__main__":
    raise SystemExit(main())
