"""Command line: `python -m service [serve|migrate|token --user ID [--ttl S]]`."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
from dataclasses import replace
from types import FrameType

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
                settings.better_auth_secret,
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
    if settings.better_auth_secret or settings.is_production:
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
    """Migrate (and serve) against DATABASE_URL or the embedded database."""
    embedded = None
    if not settings.database_url:
        from service.db.devdb import EmbeddedDatabase

        embedded = EmbeddedDatabase(DEV_PGDATA.resolve())
        settings = replace(settings, database_url=embedded.url)
        os.environ["DATABASE_URL"] = embedded.url
        logger.info("using the embedded database in %s", DEV_PGDATA)
    # SIGTERM becomes a normal exit, so the finally below stops the database.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        from service.db.migrate import apply_migrations

        applied = apply_migrations(settings.database_url or "")
        logger.info("migrations: %d applied", applied)
        if serve:
            serve_http(settings)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve_http(settings: Settings) -> None:
    import uvicorn

    from service.auth.hs256 import mint_token

    if not settings.is_production:
        example = mint_token(settings.better_auth_secret, "demo-user", ttl_seconds=86400)
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\nServing on {base}. Try:\n"
            f'  curl -s -H "Authorization: Bearer {example}" {base}/api/demo-user/tasks\n'
            "Tokens for other users: .venv/bin/python -m service token --user ID\n",
            flush=True,
        )
    uvicorn.run(
        "service.asgi:app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    sys.exit(main())
