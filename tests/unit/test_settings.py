"""Settings from the environment (SPEC 2): defaults, parsing, refusals, `.env`."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import MIN_PRODUCTION_SECRET_LENGTH, Settings, SettingsError
from service.settings.environment import read_dotenv

STRONG_SECRET = "s" * MIN_PRODUCTION_SECRET_LENGTH
NEON_POOLER = "postgresql://u:p@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/db"


def from_env(**variables: str) -> Settings:
    return Settings.from_env(variables)


def test_defaults_are_those_of_the_spec() -> None:
    settings = from_env()
    assert settings.env == "development"
    assert not settings.is_production
    assert settings.database_url is None
    assert (settings.database_pool_min, settings.database_pool_max) == (1, 10)
    assert settings.database_statement_cache == "auto"
    assert settings.better_auth_secret == ""
    assert settings.better_auth_url is None
    assert settings.better_auth_jwks_url is None
    assert settings.jwks_url is None
    assert settings.better_auth_origin is None
    assert settings.auth_jwt_issuer is None
    assert settings.auth_jwt_audience is None
    assert settings.better_auth_cookie_prefix == "better-auth"
    assert settings.ai_provider == "builtin"
    assert (settings.ai_base_url, settings.ai_api_key, settings.ai_model) == (None, None, None)
    assert settings.ai_timeout_seconds == 30.0
    assert settings.ai_max_retries == 2
    assert settings.chat_history_limit == 20
    assert settings.chat_max_message_chars == 4000
    assert settings.max_body_bytes == 65536
    assert settings.cors_origins == ("http://localhost:3000",)
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.log_level == "info"
    assert settings.metrics_enabled is True
    assert (settings.chat_rate_limit_per_minute, settings.api_rate_limit_per_minute) == (20, 600)
    assert settings.migrations_database_url is None
    # text in a terminal, json otherwise: pytest's stderr may be either
    assert settings.log_format in ("text", "json")


def test_every_variable_is_parsed() -> None:
    settings = from_env(
        ENV="production",
        DATABASE_URL="postgresql://u:p@db.example.com:5432/todo?sslmode=require",
        DATABASE_POOL_MIN="2",
        DATABASE_POOL_MAX="20",
        DATABASE_STATEMENT_CACHE="50",
        BETTER_AUTH_SECRET=STRONG_SECRET,
        BETTER_AUTH_URL="https://app.example.com/api/auth",
        BETTER_AUTH_JWKS_URL="https://keys.example.com/jwks.json",
        AUTH_JWT_ISSUER="https://issuer.example.com",
        AUTH_JWT_AUDIENCE="todo-api",
        BETTER_AUTH_COOKIE_PREFIX="myapp",
        AI_PROVIDER="openai",
        AI_BASE_URL="http://127.0.0.1:11434/v1",
        AI_API_KEY="sk-test",
        AI_MODEL="llama3.2",
        AI_TIMEOUT_SECONDS="12.5",
        AI_MAX_RETRIES="0",
        CHAT_HISTORY_LIMIT="40",
        CHAT_MAX_MESSAGE_CHARS="1000",
        MAX_BODY_BYTES="1024",
        CORS_ORIGINS=" https://app.example.com , http://localhost:3000,, ",
        HOST="0.0.0.0",  # noqa: S104
        PORT="9000",
        WORKERS="4",
        LOG_LEVEL="DEBUG",
        LOG_FORMAT="json",
        METRICS_ENABLED="False",
        CHAT_RATE_LIMIT_PER_MINUTE="5",
        API_RATE_LIMIT_PER_MINUTE="0",
        MIGRATIONS_DATABASE_URL="postgresql://u:p@direct.example.com/todo",
    )
    assert settings.metrics_enabled is False
    assert (settings.chat_rate_limit_per_minute, settings.api_rate_limit_per_minute) == (5, 0)
    assert settings.migrations_database_url == "postgresql://u:p@direct.example.com/todo"
    assert settings.is_production
    assert settings.database_url == "postgresql://u:p@db.example.com:5432/todo?sslmode=require"
    assert (settings.database_pool_min, settings.database_pool_max) == (2, 20)
    assert settings.database_statement_cache == 50
    assert settings.statement_cache_size == 50
    assert settings.better_auth_secret == STRONG_SECRET
    assert settings.better_auth_url == "https://app.example.com/api/auth"
    assert settings.jwks_url == "https://keys.example.com/jwks.json"
    assert settings.auth_jwt_issuer == "https://issuer.example.com"
    assert settings.auth_jwt_audience == "todo-api"
    assert settings.better_auth_cookie_prefix == "myapp"
    assert settings.ai_provider == "openai"
    assert settings.ai_base_url == "http://127.0.0.1:11434/v1"
    assert settings.ai_api_key == "sk-test"
    assert settings.ai_model == "llama3.2"
    assert settings.ai_timeout_seconds == 12.5
    assert settings.ai_max_retries == 0
    assert settings.chat_history_limit == 40
    assert settings.chat_max_message_chars == 1000
    assert settings.max_body_bytes == 1024
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:3000")
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9000, 4)  # noqa: S104
    assert settings.log_level == "debug"
    assert settings.log_format == "json"


def test_blank_values_count_as_unset() -> None:
    settings = from_env(DATABASE_URL="  ", PORT="", AI_PROVIDER=" ")
    assert settings.database_url is None
    assert settings.port == 8000
    assert settings.ai_provider == "builtin"


def test_secrets_stay_out_of_the_repr() -> None:
    text = repr(from_env(BETTER_AUTH_SECRET=STRONG_SECRET, AI_API_KEY="sk-very-secret"))
    assert STRONG_SECRET not in text
    assert "sk-very-secret" not in text


INTEGER_VARIABLES = [
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "DATABASE_STATEMENT_CACHE",
    "AI_MAX_RETRIES",
    "CHAT_HISTORY_LIMIT",
    "CHAT_MAX_MESSAGE_CHARS",
    "MAX_BODY_BYTES",
    "PORT",
    "WORKERS",
]


@pytest.mark.parametrize("name", INTEGER_VARIABLES)
@pytest.mark.parametrize("value", ["ten", "1.5", "0x10"])
def test_a_non_integer_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=rf"^{name} must be an integer, not '{value}'"):
        from_env(**{name: value})


@pytest.mark.parametrize(
    ("name", "too_small"),
    [
        ("DATABASE_POOL_MIN", "-1"),
        ("DATABASE_POOL_MAX", "0"),
        ("DATABASE_STATEMENT_CACHE", "-1"),
        ("AI_MAX_RETRIES", "-1"),
        ("CHAT_HISTORY_LIMIT", "0"),
        ("CHAT_MAX_MESSAGE_CHARS", "0"),
        ("MAX_BODY_BYTES", "0"),
        ("PORT", "-1"),
        ("WORKERS", "0"),
    ],
)
def test_an_integer_below_its_minimum_is_refused_naming_the_variable(
    name: str, too_small: str
) -> None:
    with pytest.raises(SettingsError, match=rf"^{name} must be at least"):
        from_env(**{name: too_small})


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan"])
def test_ai_timeout_must_be_a_positive_number(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^AI_TIMEOUT_SECONDS must be"):
        from_env(AI_TIMEOUT_SECONDS=value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("AI_PROVIDER", "claude"), ("LOG_LEVEL", "verbose"), ("LOG_FORMAT", "xml")],
)
def test_a_value_outside_the_choices_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=rf"^{name} must be one of .*not '{value}'"):
        from_env(**{name: value})


def test_choices_ignore_case() -> None:
    settings = from_env(
        AI_PROVIDER="OpenAI", AI_BASE_URL="http://x/v1", AI_MODEL="m", LOG_FORMAT="TEXT"
    )
    assert settings.ai_provider == "openai"
    assert settings.log_format == "text"


def test_pool_min_above_max_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_POOL_MIN must not exceed DATABASE_POOL_MAX"):
        from_env(DATABASE_POOL_MIN="5", DATABASE_POOL_MAX="4")


@pytest.mark.parametrize(
    "variables", [{}, {"AI_BASE_URL": "http://x/v1"}, {"AI_MODEL": "m"}], ids=str
)
def test_the_openai_provider_needs_a_base_url_and_a_model(variables: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="AI_BASE_URL and AI_MODEL"):
        from_env(AI_PROVIDER="openai", **variables)


def test_production_refuses_a_missing_secret() -> None:
    with pytest.raises(SettingsError, match="ENV=production needs BETTER_AUTH_SECRET"):
        from_env(ENV="production", DATABASE_URL="postgresql://db/todo")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        from_env(
            ENV="production",
            DATABASE_URL="postgresql://db/todo",
            BETTER_AUTH_SECRET="s" * (MIN_PRODUCTION_SECRET_LENGTH - 1),
        )


def test_production_refuses_a_missing_database_url() -> None:
    with pytest.raises(SettingsError, match="ENV=production needs DATABASE_URL"):
        from_env(ENV="production", BETTER_AUTH_SECRET=STRONG_SECRET)


def test_production_accepts_a_strong_secret_and_a_database() -> None:
    settings = from_env(
        ENV="production", DATABASE_URL="postgresql://db/todo", BETTER_AUTH_SECRET=STRONG_SECRET
    )
    assert settings.is_production


def test_production_is_recognised_whatever_its_case() -> None:
    with pytest.raises(SettingsError, match="BETTER_AUTH_SECRET"):
        from_env(ENV="Production", DATABASE_URL="postgresql://db/todo", BETTER_AUTH_SECRET="weak")


def test_development_accepts_a_weak_or_missing_secret() -> None:
    assert from_env(BETTER_AUTH_SECRET="weak").better_auth_secret == "weak"
    assert from_env().better_auth_secret == ""


def test_auth_secret_is_the_fallback_for_better_auth_secret() -> None:
    assert from_env(AUTH_SECRET="fallback").better_auth_secret == "fallback"
    both = from_env(AUTH_SECRET="fallback", BETTER_AUTH_SECRET="primary")
    assert both.better_auth_secret == "primary"


def test_auth_secret_satisfies_production() -> None:
    settings = from_env(
        ENV="production", DATABASE_URL="postgresql://db/x", AUTH_SECRET=STRONG_SECRET
    )
    assert settings.better_auth_secret == STRONG_SECRET


@pytest.mark.parametrize(
    ("url", "cache_size"),
    [
        (NEON_POOLER, 0),
        ("postgresql://u:p@pgbouncer.internal:6432/db", 0),
        ("postgresql://u:p@my-pgbouncer-1:6432/db", 0),
        ("postgresql://u:p@10.0.0.7:6432/db?sslmode=require&pgbouncer=true", 0),
        ("postgresql://u:p@10.0.0.7:6432/db?pgbouncer=false", 100),
        ("postgresql://u:p@ep-cool-name-123456.eu-central-1.aws.neon.tech/db", 100),
        ("postgresql://u:p@127.0.0.1:5432/db", 100),
        (None, 100),
    ],
)
def test_auto_statement_cache_is_off_behind_a_pooler(url: str | None, cache_size: int) -> None:
    variables = {"DATABASE_URL": url} if url else {}
    settings = from_env(**variables)
    assert settings.database_statement_cache == "auto"
    assert settings.statement_cache_size == cache_size


def test_an_explicit_statement_cache_wins_over_auto() -> None:
    assert (
        from_env(DATABASE_URL=NEON_POOLER, DATABASE_STATEMENT_CACHE="64").statement_cache_size == 64
    )
    assert from_env(DATABASE_STATEMENT_CACHE="0").statement_cache_size == 0
    assert from_env(DATABASE_STATEMENT_CACHE="AUTO").database_statement_cache == "auto"


@pytest.mark.parametrize(
    ("better_auth_url", "origin"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com/api/auth", "https://app.example.com"),
        ("http://localhost:3000/api/auth/?x=1#y", "http://localhost:3000"),
    ],
)
def test_better_auth_origin_drops_path_query_and_trailing_slash(
    better_auth_url: str, origin: str
) -> None:
    settings = from_env(BETTER_AUTH_URL=better_auth_url)
    assert settings.better_auth_origin == origin
    assert settings.jwks_url == f"{origin}/api/auth/jwks"


def test_an_explicit_jwks_url_wins_over_the_derived_one() -> None:
    settings = from_env(
        BETTER_AUTH_URL="https://app.example.com", BETTER_AUTH_JWKS_URL="https://k.example.com/j"
    )
    assert settings.jwks_url == "https://k.example.com/j"
    assert settings.better_auth_origin == "https://app.example.com"


@pytest.fixture
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, with the variables under test unset."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PORT", "BETTER_AUTH_SECRET", "AUTH_SECRET", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_dotenv_file_is_read(in_tmp_dir: Path) -> None:
    (in_tmp_dir / ".env").write_text(
        "# local settings\n"
        "\n"
        "DATABASE_URL=postgresql://localhost/todo\n"
        "export PORT=9100\n"
        'BETTER_AUTH_SECRET="quoted secret"\n'
        "LOG_LEVEL='warning'\n"
        "not a variable line\n",
        encoding="utf-8",
    )
    settings = Settings.from_env()
    assert settings.database_url == "postgresql://localhost/todo"
    assert settings.port == 9100
    assert settings.better_auth_secret == "quoted secret"
    assert settings.log_level == "warning"


def test_the_environment_wins_over_the_dotenv_file(
    in_tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_tmp_dir / ".env").write_text("PORT=9100\nLOG_LEVEL=error\n", encoding="utf-8")
    monkeypatch.setenv("PORT", "9200")
    settings = Settings.from_env()
    assert settings.port == 9200
    assert settings.log_level == "error"


def test_no_dotenv_file_is_fine(in_tmp_dir: Path) -> None:
    assert Settings.from_env().port == 8000


def test_an_explicit_mapping_ignores_the_dotenv_file(in_tmp_dir: Path) -> None:
    (in_tmp_dir / ".env").write_text("PORT=9100\n", encoding="utf-8")
    assert Settings.from_env({}).port == 8000


def test_a_bad_value_in_the_dotenv_file_names_the_variable(in_tmp_dir: Path) -> None:
    (in_tmp_dir / ".env").write_text("PORT=eighty\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^PORT must be an integer"):
        Settings.from_env()


def test_dotenv_drops_inline_comments_of_unquoted_values(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9000 # the dev port\nCORS_ORIGINS='http://a.test #1'\n")
    values = read_dotenv(env_file)
    assert values["PORT"] == "9000"
    assert values["CORS_ORIGINS"] == "http://a.test #1"
