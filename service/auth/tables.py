"""Where Better Auth's tables are: names from the settings, checked at start.

Better Auth lets a project rename its models and fields, its Drizzle CLI
writes snake_case columns, and some deployments keep auth tables in a schema
of their own. The settings say which (BETTER_AUTH_DB_SCHEMA,
BETTER_AUTH_SESSION_TABLE, BETTER_AUTH_JWKS_TABLE, BETTER_AUTH_COLUMN_CASE);
the settings allow only plain names, and the SQL loader quotes them.
"""

from __future__ import annotations

import logging
from typing import Any

from service.db.queries import Queries
from service.settings import Settings

logger = logging.getLogger("service.auth")

# Better Auth's field names, and the columns each column case gives them.
_COLUMNS = {
    "camel": {"userId": "userId", "expiresAt": "expiresAt", "publicKey": "publicKey"},
    "snake": {"userId": "user_id", "expiresAt": "expires_at", "publicKey": "public_key"},
}


def identifiers(settings: Settings) -> dict[str, str]:
    """The names the `{{...}}` slots of sql/auth.sql stand for."""
    columns = _COLUMNS[settings.better_auth_column_case]
    return {
        "auth_schema": settings.better_auth_db_schema,
        "session_table": settings.better_auth_session_table,
        "jwks_table": settings.better_auth_jwks_table,
        "session_user_id": columns["userId"],
        "session_expires_at": columns["expiresAt"],
    }


async def check_tables(queries: Queries, pool: Any, settings: Settings) -> list[str]:
    """What is missing, as sentences naming the setting to change; logged once.

    A missing table is not fatal: its credentials are refused (401) while it
    is missing, as SPEC 3 says of a database without the session table.
    """
    columns = _COLUMNS[settings.better_auth_column_case]
    schema = settings.better_auth_db_schema
    expected = {
        settings.better_auth_session_table: (
            "BETTER_AUTH_SESSION_TABLE",
            ["token", columns["userId"], columns["expiresAt"]],
        ),
        settings.better_auth_jwks_table: ("BETTER_AUTH_JWKS_TABLE", ["id", columns["publicKey"]]),
    }
    problems = []
    for table, (setting, needed) in expected.items():
        rows = await queries.better_auth_columns(pool, schema=schema, table_name=table)
        found = {row["column_name"] for row in rows}
        if not found:
            problems.append(
                f'Better Auth table "{schema}"."{table}" not found: its credentials are refused '
                f"until it exists; set BETTER_AUTH_DB_SCHEMA or {setting} if it is elsewhere."
            )
        elif missing := [column for column in needed if column not in found]:
            problems.append(
                f'Better Auth table "{schema}"."{table}" has no column {", ".join(missing)}: '
                "set BETTER_AUTH_COLUMN_CASE (camel or snake) to match its columns."
            )
    for problem in problems:
        logger.warning(problem)
    return problems
