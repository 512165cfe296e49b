"""Reading the raw environment: typed values, `.env` files, Better Auth's secrets.

Every error names the variable, so a deployer knows what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal


class SettingsError(ValueError):
    """The environment holds a value the service cannot run with."""


class Reader:
    """Typed access to the raw environment, with errors that name the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def optional(self, name: str) -> str | None:
        value = self._env.get(name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, not {raw!r}.") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}.")
        return value

    def flag(self, name: str, *, default: bool) -> bool:
        """true/false/1/0, in any case."""
        value = self.choice(name, ("true", "false", "1", "0"), "true" if default else "false")
        return value in ("true", "1")

    def number(self, name: str, default: float) -> float:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}.") from None
        if not value > 0:
            raise SettingsError(f"{name} must be positive.")
        return value

    def identifier(self, name: str, default: str) -> str:
        """A PostgreSQL name for SQL built from settings: plain letters, digits and
        underscores only, so quoting it can never be escaped."""
        value = self.text(name, default)
        if not _IDENTIFIER.fullmatch(value):
            raise SettingsError(
                f"{name} must be a plain table or schema name (letters, digits, _; at most "
                f"63 characters, not starting with a digit), not {value!r}."
            )
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (self.optional(name) or default).lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
        return value

    def statement_cache(self) -> int | Literal["auto"]:
        raw = self.optional("DATABASE_STATEMENT_CACHE")
        if raw is None or raw.lower() == "auto":
            return "auto"
        return self.integer("DATABASE_STATEMENT_CACHE", 0, minimum=0)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# JavaScript's parseInt: optional spaces and sign, then the leading digits.
_JS_INT = re.compile(r"\s*([+-]?\d+)")


def parse_better_auth_secrets(raw: str | None) -> tuple[str, ...]:
    """BETTER_AUTH_SECRETS read exactly as Better Auth 1.5+ reads it.

    Comma-separated `<version>:<secret>` entries, each trimmed; the version is
    what JavaScript's parseInt makes of the text before the first colon and must
    be a non-negative integer, unique; the secret is the trimmed rest, not
    empty. The first entry is the current secret. Returns the secrets in order.
    """
    if not raw:
        return ()
    secrets: list[str] = []
    versions: set[int] = set()
    for position, entry in enumerate(raw.split(","), start=1):
        entry = entry.strip()
        version_text, colon, value = entry.partition(":")
        if not colon:
            raise SettingsError(f"BETTER_AUTH_SECRETS entry {position} must be <version>:<secret>.")
        number = _JS_INT.match(version_text)
        if number is None or int(number[1]) < 0:
            raise SettingsError(
                f"BETTER_AUTH_SECRETS entry {position} needs a non-negative integer version."
            )
        value = value.strip()
        if not value:
            raise SettingsError(f"BETTER_AUTH_SECRETS entry {position} has an empty secret.")
        version = int(number[1])
        if version in versions:
            raise SettingsError(f"BETTER_AUTH_SECRETS lists version {version} twice.")
        versions.add(version)
        secrets.append(value)
    return tuple(secrets)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse `KEY=value` lines of a `.env` file; missing file means no values."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()  # an inline comment
        values[key.strip()] = value
    return values
