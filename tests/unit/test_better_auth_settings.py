"""Better Auth's side of the settings: versioned secrets and where its tables are."""

from __future__ import annotations

import pytest

from service.settings import Settings, SettingsError
from service.settings.environment import parse_better_auth_secrets

SECRET = "s" * 40


@pytest.mark.parametrize(
    ("raw", "secrets"),
    [
        ("2:new-secret,1:old-secret", ("new-secret", "old-secret")),
        (" 2 : spaced , 1:old ", ("spaced", "old")),  # entries and values are trimmed
        ("3:a:b:c", ("a:b:c",)),  # the first colon splits
        ("1abc:x", ("x",)),  # JavaScript's parseInt reads the leading digits
        ("+4:x,0:y", ("x", "y")),
        ("", ()),
    ],
)
def test_secrets_are_read_as_better_auth_reads_them(raw: str, secrets: tuple[str, ...]) -> None:
    assert parse_better_auth_secrets(raw) == secrets


@pytest.mark.parametrize(
    "raw",
    ["no-version", "x:secret", "-1:secret", "1:", "1:a,1:b", "1:a,", "1:a,,2:b"],
)
def test_a_malformed_value_stops_the_start_naming_the_setting(raw: str) -> None:
    with pytest.raises(SettingsError, match="BETTER_AUTH_SECRETS"):
        Settings.from_env({"BETTER_AUTH_SECRETS": raw})


def test_the_first_listed_secret_is_current_and_takes_precedence() -> None:
    settings = Settings.from_env(
        {"BETTER_AUTH_SECRETS": "2:current,1:previous", "BETTER_AUTH_SECRET": SECRET}
    )
    assert settings.session_secret == "current"
    assert settings.jwt_secrets == ("current", "previous")
    alone = Settings.from_env({"BETTER_AUTH_SECRET": SECRET})
    assert (alone.session_secret, alone.jwt_secrets) == (SECRET, (SECRET,))


def test_production_checks_the_current_listed_secret() -> None:
    env = {"ENV": "production", "DATABASE_URL": "postgresql://db/x"}
    with pytest.raises(SettingsError, match="BETTER_AUTH_SECRETS"):
        Settings.from_env({**env, "BETTER_AUTH_SECRETS": "1:short", "BETTER_AUTH_SECRET": SECRET})
    Settings.from_env({**env, "BETTER_AUTH_SECRETS": f"1:{SECRET}"})


@pytest.mark.parametrize(
    "name",
    ["BETTER_AUTH_DB_SCHEMA", "BETTER_AUTH_SESSION_TABLE", "BETTER_AUTH_JWKS_TABLE"],
)
@pytest.mark.parametrize(
    "value",
    ['session"; DROP TABLE tasks; --', "a b", "1session", "x" * 64, "sch.ema", 'we"ird'],
)
def test_a_table_or_schema_name_that_is_not_plain_is_refused_at_start(
    name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_table_names_and_column_case_are_read() -> None:
    settings = Settings.from_env(
        {
            "BETTER_AUTH_DB_SCHEMA": "auth",
            "BETTER_AUTH_SESSION_TABLE": "sessions",
            "BETTER_AUTH_JWKS_TABLE": "jwks_keys",
            "BETTER_AUTH_COLUMN_CASE": "snake",
        }
    )
    assert (
        settings.better_auth_db_schema,
        settings.better_auth_session_table,
        settings.better_auth_jwks_table,
        settings.better_auth_column_case,
    ) == ("auth", "sessions", "jwks_keys", "snake")
    with pytest.raises(SettingsError, match="BETTER_AUTH_COLUMN_CASE"):
        Settings.from_env({"BETTER_AUTH_COLUMN_CASE": "kebab"})
