"""Command line: `python -m service [serve|migrate|token --user ID [--ttl S]]`."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import IO

from service.settings import DATA_DIR, Settings, SettingsError

logger = logging.getLogger("service")

DEV_SECRET_FILE = DATA_DIR / "dev-secret"
DEV_PGDATA = DATA_DIR / "postgres"


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m service`."""
    parser = argparse.ArgumentParser(prog="python -m service")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="apply migrations and serve HTTP (default)")
    commands.add_parser("migrate", help="apply pending migrations and exit")
    token = commands.add_parser("token", help="print an HS256 token for trying the API")
    token.add_argument("--user", required=True, help="the user id (the token's sub)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    args = parser.parse_args(argv)

    try:
        settings = with_dev_secret(Settings.from_env())
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    from service.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    if args.command == "token":
        from service.auth.hs256 import mint_token

        print(
            mint_token(
                settings.session_secret,
                args.user,
                ttl_seconds=args.ttl,
                issuer=settings.auth_jwt_issuer,
                audience=settings.auth_jwt_audience,
            )
        )
        return 0
    return run_with_database(settings, serve=args.command in (None, "serve"))


def with_dev_secret(settings: Settings) -> Settings:
    """Outside production, a missing secret becomes one kept in `.data/`."""
    if settings.session_secret or settings.is_production:
        return settings
    if not DEV_SECRET_FILE.exists():
        DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_SECRET_FILE.write_text(secrets.token_urlsafe(48))
        DEV_SECRET_FILE.chmod(0o600)
    secret = DEV_SECRET_FILE.read_text().strip()
    # Child processes (uvicorn workers) read the environment again.
    os.environ["BETTER_AUTH_SECRET"] = secret
    return replace(settings, better_auth_secret=secret)


def run_with_database(settings: Settings, *, serve: bool) -> int:
    """Migrate (and serve) against DATABASE_URL or the embedded database.

    A second `make run` next to a first one must refuse before it touches
    anything: before it binds, and before it starts, adopts or stops the
    embedded database the first one is using.
    """
    if serve and not port_is_free(settings.host, settings.port):
        print(
            f"port {settings.port} on {settings.host} is in use (is another `make run` "
            "serving?); stop it or set PORT.",
            file=sys.stderr,
        )
        return 1
    embedded = None
    data_dir_lock: IO[str] | None = None
    if not settings.database_url:
        from service.db.devdb import EmbeddedDatabase

        data_dir_lock = own_data_dir()
        if data_dir_lock is None:
            print(
                f"another process owns {DEV_PGDATA} (another `make run` or `make migrate`); "
                "stop it first, or set DATABASE_URL.",
                file=sys.stderr,
            )
            return 1
        embedded = EmbeddedDatabase(DEV_PGDATA.resolve())
        settings = replace(settings, database_url=embedded.url)
        os.environ["DATABASE_URL"] = embedded.url
        logger.info("using the embedded database in %s", DEV_PGDATA)
    # SIGTERM becomes a normal exit, so the finally below stops the database.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        if serve:
            # In a child process: yoyo and psycopg are start-up tools, and would
            # otherwise stay resident in the serving process for its whole life.
            subprocess.run(
                [sys.executable, "-m", "service.db.migrate"],
                env={**os.environ, "DATABASE_URL": migrations_url(settings)},
                check=True,
            )
            serve_http(settings)
        else:
            from service.db.migrate import apply_migrations

            applied = apply_migrations(migrations_url(settings))
            logger.info("migrations: %d applied", applied)
    finally:
        if embedded is not None:
            embedded.stop()
        if data_dir_lock is not None:
            data_dir_lock.close()
    return 0


def migrations_url(settings: Settings) -> str:
    """MIGRATIONS_DATABASE_URL when set (a direct URL beside a pooled DATABASE_URL)."""
    return settings.migrations_database_url or settings.database_url or ""


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (as uvicorn binds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def own_data_dir() -> IO[str] | None:
    """Lock the embedded database's directory; the open lock file, or None if taken.

    An advisory lock that the kernel drops when the file is closed or the
    process ends, however it ends, so a run killed with SIGKILL never leaves
    it stuck (and its orphaned server is still adopted by the next run).
    """
    DEV_PGDATA.parent.mkdir(parents=True, exist_ok=True)
    lock_file = (DEV_PGDATA.parent / "postgres.lock").open("a")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_file.close()
        return None
    return lock_file


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve_http(settings: Settings) -> None:
    import uvicorn

    from service.auth.hs256 import mint_token
    from service.http.server import PROTOCOL

    if not settings.is_production:
        example = mint_token(settings.session_secret, "demo-user", ttl_seconds=86400)
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\nServing on {base}. Try:\n"
            f'  curl -s -H "Authorization: Bearer {example}" {base}/api/demo-user/tasks\n'
            "Tokens for other users: .venv/bin/python -m service token --user ID\n",
            flush=True,
        )
    with metrics_shared_by_workers(settings):
        uvicorn.run(
            "service.asgi:app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            loop="uvloop",
            http=PROTOCOL,
            # No route speaks WebSocket (MCP is plain HTTP): not loading a
            # WebSocket implementation keeps a few MB out of every worker.
            ws="none",
            timeout_keep_alive=settings.server_keep_alive_seconds,
            # SIGTERM lets running chat turns finish or record what they did.
            timeout_graceful_shutdown=int(settings.chat_turn_timeout_seconds) + 5,
            log_config=None,
            access_log=False,
            proxy_headers=True,
        )


@contextlib.contextmanager
def metrics_shared_by_workers(settings: Settings) -> Iterator[None]:
    """With WORKERS > 1, a directory where every worker writes its metrics.

    prometheus-client's multiprocess mode: the workers (which read the
    environment when they start) write their values to files there, and a
    scrape of any worker sums them. An operator's PROMETHEUS_MULTIPROC_DIR is
    used (and emptied, as the client requires at start); else a temporary one,
    removed at exit.
    """
    if settings.workers == 1 or not settings.metrics_enabled:
        yield
        return
    from service.metrics.instruments import MULTIPROCESS_DIR_VARIABLE

    chosen = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    directory = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="todo-chat-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(directory)
    try:
        yield
    finally:
        if not chosen:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
