"""Probes, request ids and CORS over HTTP (SPEC 4, 7)."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from service.http.middleware import RequestContextMiddleware
from service.metrics import Metrics

ALLOWED_ORIGIN = "http://localhost:3000"  # the default CORS_ORIGINS
FOREIGN_ORIGIN = "https://evil.example"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


async def test_healthz_answers_ok_without_a_credential(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_when_the_database_does(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_probes_ignore_a_bad_credential(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/healthz", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/healthz", {}, 200),
        ("GET", "/readyz", {}, 200),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/no/such/path", {}, 404),
        ("DELETE", "/healthz", {}, 405),
        ("GET", "/api/someone/tasks", {}, 401),
        ("POST", "/healthz", {"content": b"x" * 70_000}, 413),
    ],
)
async def test_every_response_carries_a_request_id(
    anonymous: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = await anonymous.request(method, path, **kwargs)
    assert response.status_code == status
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


async def test_signed_in_responses_carry_a_request_id_too(
    client: httpx.AsyncClient, user_id: str
) -> None:
    created = await client.post(f"/api/{user_id}/tasks", json={"title": "Buy milk"})
    assert created.status_code == 201
    missing = await client.get(f"/api/{user_id}/tasks/999999999")
    invalid = await client.post(f"/api/{user_id}/tasks", json={"title": 5})
    for response in (created, missing, invalid):
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


async def test_each_request_gets_its_own_id(anonymous: httpx.AsyncClient) -> None:
    ids = {(await anonymous.get("/healthz")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "request_id",
    ["abc", "req-2026-11-22T10:00:00.123_x", "0" * 128, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"],
)
async def test_a_sane_client_request_id_is_echoed(
    anonymous: httpx.AsyncClient, request_id: str
) -> None:
    for path in ("/healthz", "/api/someone/tasks"):  # on success and on errors alike
        response = await anonymous.get(path, headers={"X-Request-ID": request_id})
        assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        "0" * 129,
        "two words",
        "tab\there",
        "<script>",
        'quote"d',
        "semi;colon",
        "caf\xe9",
        "",
    ],
    ids=["too-long", "space", "tab", "markup", "quote", "semicolon", "non-ascii", "empty"],
)
async def test_an_insane_client_request_id_is_replaced(
    anonymous: httpx.AsyncClient, request_id: str
) -> None:
    response = await anonymous.get(
        "/healthz", headers={b"X-Request-ID": request_id.encode("latin-1")}
    )
    assert response.status_code == 200
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


async def raw_request(base_url: str, head: bytes) -> bytes:
    """Send bytes no well-behaved client would send; return the whole answer."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(head)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("separator", [b"\r\n ", b"\n", b"\r"], ids=["folded", "lf", "cr"])
async def test_a_request_id_with_a_line_break_never_reaches_a_response_header(
    base_url: str, separator: bytes
) -> None:
    answer = await raw_request(
        base_url,
        b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Request-ID: abc"
        + separator
        + b"X-Injected: yes\r\nConnection: close\r\n\r\n",
    )
    status_line, _, rest = answer.partition(b"\r\n")
    head = rest.split(b"\r\n\r\n", 1)[0].lower()
    # The HTTP parser refuses the request outright, or the header is replaced.
    assert status_line.startswith((b"HTTP/1.1 400", b"HTTP/1.1 200"))
    assert b"x-injected" not in head
    assert b"x-request-id: abc" not in head


@pytest.mark.parametrize("value", [b"abc\ndef", b"abc\r\nX-Injected: yes", b"abc\x00"])
async def test_the_middleware_replaces_an_id_with_control_characters(value: bytes) -> None:
    # Servers other than uvicorn may pass such bytes on; the middleware must not echo them.
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    middleware = RequestContextMiddleware(app, route_templates={}, metrics=Metrics())
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", value)]}
    await middleware(scope, receive, send)
    (request_id,) = [v for k, v in sent[0]["headers"] if k == b"x-request-id"]
    assert GENERATED_ID.fullmatch(request_id.decode())


def preflight_headers(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, x-request-id",
    }


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_a_preflight_from_an_allowed_origin_is_allowed_without_a_credential(
    anonymous: httpx.AsyncClient, user_id: str, method: str
) -> None:
    response = await anonymous.options(
        f"/api/{user_id}/tasks/1", headers=preflight_headers(ALLOWED_ORIGIN, method)
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert method in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-request-id"):
        assert header in allowed_headers
    assert "x-request-id" in response.headers


async def test_a_preflight_from_a_foreign_origin_is_not_allowed(
    anonymous: httpx.AsyncClient, user_id: str
) -> None:
    response = await anonymous.options(
        f"/api/{user_id}/tasks", headers=preflight_headers(FOREIGN_ORIGIN)
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_foreign_origin_gets_no_cors_headers_on_a_request(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks", headers={"Origin": FOREIGN_ORIGIN})
    assert response.status_code == 200
    # Without Access-Control-Allow-Origin the browser hides the response from the page.
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


async def test_a_request_without_an_origin_gets_no_cors_grant_and_varies_by_origin(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.get(f"/api/{user_id}/tasks")
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    # A cache must not hand this answer to a browser's cross-origin request.
    assert response.headers["vary"] == "Origin"


def exposed(response: httpx.Response) -> set[str]:
    value = response.headers["access-control-expose-headers"]
    return {name.strip().lower() for name in value.split(",")}


async def test_total_count_and_location_are_exposed_to_browsers(
    client: httpx.AsyncClient, user_id: str
) -> None:
    origin = {"Origin": ALLOWED_ORIGIN}
    created = await client.post(f"/api/{user_id}/tasks", json={"title": "x"}, headers=origin)
    assert created.status_code == 201
    assert created.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert created.headers["access-control-allow-credentials"] == "true"
    assert {"location", "x-request-id"} <= exposed(created)
    listed = await client.get(f"/api/{user_id}/tasks", headers=origin)
    assert listed.headers["x-total-count"] == "1"
    assert {"x-total-count", "x-request-id"} <= exposed(listed)


async def test_errors_carry_cors_headers_so_browsers_can_read_them(
    anonymous: httpx.AsyncClient, user_id: str
) -> None:
    response = await anonymous.get(f"/api/{user_id}/tasks", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.json()["error_code"] == "AUTH_REQUIRED"
