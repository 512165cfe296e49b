"""The API's own description (SPEC 7): `/openapi.json` and a `/docs` page, no credential."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.http.context import app_context
from service.http.openapi import build_document
from service.http.routing import ApiRoute, Operation, Tag

OPERATIONS_TAG = Tag("operations", "Probes and the API's own description; no credential (SPEC 7).")

# Swagger UI is fetched by the reader's browser; the service itself serves only
# this page and the JSON it renders ("openapi.json" relative, so a path prefix
# in front of the service still works).
DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Todo Chat API</title>
  <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});
  </script>
</body>
</html>
"""


async def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 document of this app's routes, with its session cookie names."""
    state = request.app.state
    # Built on first use and kept: the routes and settings never change.
    encoded: bytes | None = getattr(state, "openapi_json", None)
    if encoded is None:
        prefix = app_context(request).settings.better_auth_cookie_prefix
        encoded = msgspec.json.encode(build_document(request.app.routes, cookie_prefix=prefix))
        state.openapi_json = encoded
    return Response(encoded, media_type="application/json")


async def docs(request: Request) -> Response:
    """A Swagger UI page rendering /openapi.json."""
    return HTMLResponse(DOCS_HTML)


routes = [
    ApiRoute(
        "/openapi.json",
        Operation(
            method="GET",
            handler=openapi_json,
            operation_id="openapi",
            summary="This document",
            tag=OPERATIONS_TAG,
            response=dict[str, Any],
        ),
    ),
    ApiRoute(
        "/docs",
        Operation(
            method="GET",
            handler=docs,
            operation_id="docs",
            summary="Swagger UI for this document (its script comes from the jsDelivr CDN)",
            tag=OPERATIONS_TAG,
            response=str,
            media_type="text/html",
        ),
    ),
]
