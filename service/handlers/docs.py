"""The API's own description (SPEC 7): `/openapi.json` and a `/docs` page, no credential."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from service.context import app_context
from service.openapi import document_json

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
    """The OpenAPI 3.1 document, with the configured session cookie names."""
    prefix = app_context(request).settings.better_auth_cookie_prefix
    return Response(document_json(prefix), media_type="application/json")


async def docs(request: Request) -> Response:
    """A Swagger UI page rendering /openapi.json."""
    return HTMLResponse(DOCS_HTML)


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs, methods=["GET"]),
]
