"""Configuration from the environment (and a `.env` file), as in SPEC 2.

`Settings.from_env()` is the only place that reads the environment; everything
else receives a `Settings`. Values are checked here, once, so a bad deployment
fails at start with a sentence naming the variable rather than at the first
request.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from service.settings.environment import (
    Reader,
    SettingsError,
    parse_better_auth_secrets,
    read_dotenv,
)

__all__ = ["DATA_DIR", "MIN_PRODUCTION_SECRET_LENGTH", "Settings", "SettingsError"]

MIN_PRODUCTION_SECRET_LENGTH = 32
# `?pgbouncer=true` on DATABASE_URL says a transaction-mode pooler is in front.
POOLER_FLAG = "true"
DATA_DIR = Path(".data")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every knob of SPEC 2, already parsed and validated."""

    env: str = "development"
    database_url: str | None = None
    # Where migrations run when DATABASE_URL is a transaction-mode pooler's.
    migrations_database_url: str | None = None
    database_pool_min: int = 1
    database_pool_max: int = 10
    database_statement_cache: int | Literal["auto"] = "auto"
    database_acquire_timeout_seconds: float = 5.0
    database_statement_timeout_seconds: float = 10.0
    better_auth_secret: str = field(default="", repr=False)
    # BETTER_AUTH_SECRETS' values in order, the current one first.
    better_auth_secrets: tuple[str, ...] = field(default=(), repr=False)
    better_auth_db_schema: str = "public"
    better_auth_session_table: str = "session"
    better_auth_jwks_table: str = "jwks"
    better_auth_column_case: Literal["camel", "snake"] = "camel"
    better_auth_url: str | None = None
    better_auth_jwks_url: str | None = None
    auth_jwt_issuer: str | None = None
    auth_jwt_audience: str | None = None
    better_auth_cookie_prefix: str = "better-auth"
    ai_provider: Literal["builtin", "openai"] = "builtin"
    ai_base_url: str | None = None
    ai_api_key: str | None = field(default=None, repr=False)
    ai_model: str | None = None
    ai_timeout_seconds: float = 30.0
    ai_max_retries: int = 2
    chat_history_limit: int = 20
    chat_history_max_chars: int = 24000
    chat_turn_timeout_seconds: float = 60.0
    chat_max_tool_calls: int = 20
    chat_max_message_chars: int = 4000
    max_body_bytes: int = 65536
    cors_origins: tuple[str, ...] = ("http://localhost:3000",)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    mcp_enabled: bool = True
    metrics_enabled: bool = True
    # Requests per user and minute; 0 turns the limit off.
    chat_rate_limit_per_minute: int = 20
    api_rate_limit_per_minute: int = 600
    public_base_url: str | None = None
    server_max_connections: int = 1000
    server_keep_alive_seconds: int = 5
    server_header_timeout_seconds: float = 10.0
    log_level: str = "info"
    log_format: Literal["text", "json"] = "json"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def session_secret(self) -> str:
        """The secret Better Auth signs (and verifies) session tokens with: the
        current one of BETTER_AUTH_SECRETS, else BETTER_AUTH_SECRET."""
        return self.better_auth_secrets[0] if self.better_auth_secrets else self.better_auth_secret

    @property
    def jwt_secrets(self) -> tuple[str, ...]:
        """Secrets an HS256 token may be signed with: every listed one, so token
        minters can rotate; else BETTER_AUTH_SECRET alone."""
        if self.better_auth_secrets:
            return self.better_auth_secrets
        return (self.better_auth_secret,) if self.better_auth_secret else ()

    @property
    def better_auth_origin(self) -> str | None:
        """The `iss`/`aud` Better Auth's jwt() plugin puts in its tokens."""
        if not self.better_auth_url:
            return None
        parts = urlsplit(self.better_auth_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def jwks_url(self) -> str | None:
        if self.better_auth_jwks_url:
            return self.better_auth_jwks_url
        origin = self.better_auth_origin
        return f"{origin}/api/auth/jwks" if origin else None

    @property
    def statement_cache_size(self) -> int:
        """asyncpg's statement cache size; 0 behind a transaction-mode pooler."""
        if self.database_statement_cache != "auto":
            return self.database_statement_cache
        return 0 if self._host_looks_pooled else 100

    @property
    def behind_pooler(self) -> bool:
        """A transaction-mode pooler is in front: by its host, or DATABASE_STATEMENT_CACHE=0."""
        return self._host_looks_pooled or self.database_statement_cache == 0

    @property
    def _host_looks_pooled(self) -> bool:
        """Neon's `-pooler` hosts, a host named pgbouncer, or `?pgbouncer=true`
        (Prisma's spelling, for a pooler whose host name says nothing)."""
        parts = urlsplit(self.database_url or "")
        host = parts.hostname or ""
        flagged = POOLER_FLAG in parse_qs(parts.query).get("pgbouncer", [])
        return "-pooler" in host or "pgbouncer" in host or flagged

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read SPEC 2's variables; `.env` fills in what the environment lacks."""
        env = dict(read_dotenv(Path(".env"))) if environ is None else {}
        env.update(os.environ if environ is None else environ)
        reader = Reader(env)
        settings = cls(
            env=reader.text("ENV", "development").lower(),
            database_url=reader.optional("DATABASE_URL"),
            migrations_database_url=reader.optional("MIGRATIONS_DATABASE_URL"),
            database_pool_min=reader.integer("DATABASE_POOL_MIN", 1, minimum=0),
            database_pool_max=reader.integer("DATABASE_POOL_MAX", 10, minimum=1),
            database_statement_cache=reader.statement_cache(),
            database_acquire_timeout_seconds=reader.number("DATABASE_ACQUIRE_TIMEOUT_SECONDS", 5.0),
            database_statement_timeout_seconds=reader.number(
                "DATABASE_STATEMENT_TIMEOUT_SECONDS", 10.0
            ),
            better_auth_secret=reader.optional("BETTER_AUTH_SECRET")
            or reader.optional("AUTH_SECRET")
            or "",
            better_auth_secrets=parse_better_auth_secrets(reader.optional("BETTER_AUTH_SECRETS")),
            better_auth_db_schema=reader.identifier("BETTER_AUTH_DB_SCHEMA", "public"),
            better_auth_session_table=reader.identifier("BETTER_AUTH_SESSION_TABLE", "session"),
            better_auth_jwks_table=reader.identifier("BETTER_AUTH_JWKS_TABLE", "jwks"),
            better_auth_column_case=reader.choice(  # type: ignore[arg-type]
                "BETTER_AUTH_COLUMN_CASE", ("camel", "snake"), "camel"
            ),
            better_auth_url=reader.optional("BETTER_AUTH_URL"),
            better_auth_jwks_url=reader.optional("BETTER_AUTH_JWKS_URL"),
            auth_jwt_issuer=reader.optional("AUTH_JWT_ISSUER"),
            auth_jwt_audience=reader.optional("AUTH_JWT_AUDIENCE"),
            better_auth_cookie_prefix=reader.text("BETTER_AUTH_COOKIE_PREFIX", "better-auth"),
            ai_provider=reader.choice("AI_PROVIDER", ("builtin", "openai"), "builtin"),  # type: ignore[arg-type]
            ai_base_url=reader.optional("AI_BASE_URL"),
            ai_api_key=reader.optional("AI_API_KEY"),
            ai_model=reader.optional("AI_MODEL"),
            ai_timeout_seconds=reader.number("AI_TIMEOUT_SECONDS", 30.0),
            ai_max_retries=reader.integer("AI_MAX_RETRIES", 2, minimum=0),
            chat_history_limit=reader.integer("CHAT_HISTORY_LIMIT", 20, minimum=1),
            chat_history_max_chars=reader.integer("CHAT_HISTORY_MAX_CHARS", 24000, minimum=1),
            chat_turn_timeout_seconds=reader.number("CHAT_TURN_TIMEOUT_SECONDS", 60.0),
            chat_max_tool_calls=reader.integer("CHAT_MAX_TOOL_CALLS", 20, minimum=1),
            chat_max_message_chars=reader.integer("CHAT_MAX_MESSAGE_CHARS", 4000, minimum=1),
            max_body_bytes=reader.integer("MAX_BODY_BYTES", 65536, minimum=1),
            cors_origins=tuple(
                origin.strip()
                for origin in reader.text("CORS_ORIGINS", "http://localhost:3000").split(",")
                if origin.strip()
            ),
            host=reader.text("HOST", "127.0.0.1"),
            port=reader.integer("PORT", 8000, minimum=0),
            workers=reader.integer("WORKERS", 1, minimum=1),
            mcp_enabled=reader.flag("MCP_ENABLED", default=True),
            metrics_enabled=reader.flag("METRICS_ENABLED", default=True),
            chat_rate_limit_per_minute=reader.integer("CHAT_RATE_LIMIT_PER_MINUTE", 20, minimum=0),
            api_rate_limit_per_minute=reader.integer("API_RATE_LIMIT_PER_MINUTE", 600, minimum=0),
            public_base_url=reader.optional("PUBLIC_BASE_URL"),
            server_max_connections=reader.integer("SERVER_MAX_CONNECTIONS", 1000, minimum=1),
            server_keep_alive_seconds=reader.integer("SERVER_KEEP_ALIVE_SECONDS", 5, minimum=1),
            server_header_timeout_seconds=reader.number("SERVER_HEADER_TIMEOUT_SECONDS", 10.0),
            log_level=reader.choice(
                "LOG_LEVEL", ("debug", "info", "warning", "error", "critical"), "info"
            ),
            log_format=reader.choice(  # type: ignore[arg-type]
                "LOG_FORMAT", ("text", "json"), "text" if sys.stderr.isatty() else "json"
            ),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse combinations that are unsafe or cannot work."""
        if self.database_pool_min > self.database_pool_max:
            raise SettingsError("DATABASE_POOL_MIN must not exceed DATABASE_POOL_MAX.")
        if self.ai_provider == "openai" and not (self.ai_base_url and self.ai_model):
            raise SettingsError("AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL.")
        if self.is_production:
            if len(self.session_secret) < MIN_PRODUCTION_SECRET_LENGTH:
                name = (
                    "BETTER_AUTH_SECRETS' current secret"
                    if self.better_auth_secrets
                    else ("BETTER_AUTH_SECRET")
                )
                raise SettingsError(
                    f"ENV=production needs {name} of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters."
                )
            if not self.database_url:
                raise SettingsError(
                    "ENV=production needs DATABASE_URL; the embedded database is for development."
                )
