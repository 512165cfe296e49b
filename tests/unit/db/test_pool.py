"""The pool's URL handling, without a database."""

from __future__ import annotations

import pytest

from service.db.pool import driver_dsn


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:6432/db?pgbouncer=true", "postgresql://u:p@h:6432/db"),
        (
            "postgresql://u:p@h/db?sslmode=require&pgbouncer=true&application_name=api",
            "postgresql://u:p@h/db?sslmode=require&application_name=api",
        ),
        ("postgresql://u:p@h/db?sslmode=require", "postgresql://u:p@h/db?sslmode=require"),
    ],
)
def test_the_pooler_marker_is_taken_off_before_a_driver_sees_the_url(
    url: str, expected: str
) -> None:
    assert driver_dsn(url) == expected
