"""Logging set-up: JSON lines, and uvicorn's path-revealing access log off."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from service.logs import JsonFormatter, configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    disabled = access.disabled
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    access.disabled = disabled


def test_uvicorn_access_log_is_disabled(restore_logging: None) -> None:
    configure_logging("info", "json")
    assert logging.getLogger("uvicorn.access").disabled
    assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)


def test_json_formatter_writes_one_object_per_line() -> None:
    record = logging.LogRecord("service.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /x"
    assert entry["level"] == "info"
    assert entry["logger"] == "service.access"
