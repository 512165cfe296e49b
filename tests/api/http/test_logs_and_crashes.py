"""What reaches the logs, and what a bug looks like to a client."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.app import create_app
from service.settings import Settings
from tests.support.server import client_for, serve_app


async def test_access_log_has_one_line_per_request_without_ids_or_secrets(
    client: httpx.AsyncClient, user_id: str, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret_title = "my-secret-diary-entry"
    await client.post(
        f"/api/{user_id}/tasks", json={"title": secret_title}, headers={"X-Request-ID": "mine-1"}
    )
    await client.get(f"/api/{user_id}/tasks", headers={"X-Request-ID": "trace-123"})

    access = [r.getMessage() for r in caplog.records if r.name == "service.access"]
    assert len(access) == 2
    assert access[0].startswith("POST /api/{user_id}/tasks 201 ")
    assert access[1].startswith("GET /api/{user_id}/tasks 200 ")
    assert access[1].endswith(" trace-123")
    # uvicorn's own access log (full paths) is switched off by
    # service.logs.configure_logging in the real server; see tests/unit/test_logs.py.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("service"))
    for leaked in (token, user_id, secret_title):
        assert leaked not in ours


async def test_a_bug_is_a_500_with_a_request_id_and_no_internals(
    db_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("internal detail: password=hunter2")

    app = create_app(db_settings)
    app.router.routes.append(Route("/boom", broken))
    async with serve_app(app) as url, client_for(url) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    body = response.json()
    assert body["error_code"] == "INTERNAL_ERROR"
    assert "req-42" in body["detail"]
    assert "hunter2" not in response.text
    assert response.headers["x-request-id"] == "req-42"
    assert any("req-42" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
