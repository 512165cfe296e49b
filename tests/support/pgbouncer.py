"""A real PgBouncer (Debian's `pgbouncer` package) in transaction mode, for the tests.

`make test` installs the package when it is missing. PgBouncer refuses to
run as root; as root it is started with `-u` as the user that owns the
database's socket directory (the embedded PostgreSQL's own user), or `nobody`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.server import free_port

READY_SECONDS = 10.0


def pgbouncer_binary() -> str:
    """The pgbouncer executable; skipped outside CI when it is not installed."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(
            "pgbouncer is not installed: `make test` installs it (apt-get install pgbouncer)"
        )
    pytest.skip("pgbouncer is not installed (make test installs it: apt-get install pgbouncer)")


@contextlib.contextmanager
def pgbouncer_in_front_of(database_url: str, *, pool_size: int = 8) -> Iterator[str]:
    """Run PgBouncer (transaction mode) before the server of `database_url`.

    Yields a URL through it, to the same database, marked `?pgbouncer=true` so
    DATABASE_STATEMENT_CACHE=auto can tell. Every database name is routed to
    the same server, so tests may create databases and reach them through it.
    """
    binary = pgbouncer_binary()
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    server_port = parts.port or int(query.get("port", ["5432"])[0])
    user = unquote(parts.username or "postgres")
    password = unquote(parts.password or "")
    database = parts.path.lstrip("/") or "postgres"
    port = free_port()
    run_as = _unprivileged_user(host)
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as directory:
        workdir = Path(directory)
        workdir.chmod(0o755)
        server = f"host={host} port={server_port} user={user}"
        if password:
            server += f" password={password}"
        (workdir / "users.txt").write_text(f'"{user}" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = {server}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {workdir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 500\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        for name in ("users.txt", "pgbouncer.ini"):
            (workdir / name).chmod(0o644)
        command = [binary, *(["-u", run_as] if run_as else []), str(workdir / "pgbouncer.ini")]
        log = (workdir / "pgbouncer.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_listening(port, process, workdir / "pgbouncer.log")
            yield f"postgresql://{user}@127.0.0.1:{port}/{database}?pgbouncer=true"
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def _unprivileged_user(host: str) -> str | None:
    if os.geteuid() != 0:
        return None
    if host.startswith("/"):  # a socket directory: its owner can reach the socket
        return pwd.getpwuid(os.stat(host).st_uid).pw_name
    return "nobody"


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen within {READY_SECONDS}s")
