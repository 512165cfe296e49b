"""/openapi.json and /docs are served over HTTP without a credential."""

from __future__ import annotations

import httpx

from service.app import create_app
from service.http.openapi import build_document
from service.settings import Settings


async def test_the_openapi_document_needs_no_credential(
    anonymous: httpx.AsyncClient, settings: Settings
) -> None:
    response = await anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "x-request-id" in response.headers
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/{user_id}/tasks" in document["paths"]
    assert document == build_document(create_app(settings).routes, cookie_prefix="better-auth")


async def test_the_openapi_document_ignores_a_bad_credential(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get("/openapi.json", headers={"Authorization": "Bearer junk"})
    assert response.status_code == 200


async def test_the_docs_page_renders_the_document(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '"openapi.json"' in response.text


async def test_the_document_is_read_only(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/openapi.json", json={})
    assert response.status_code == 405
    assert response.json()["error_code"] == "METHOD_NOT_ALLOWED"
