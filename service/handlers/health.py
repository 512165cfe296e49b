"""Liveness and readiness probes (SPEC 7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.context import app_context
from service.contracts import Health
from service.db import database_answers
from service.errors import database_unavailable
from service.responses import json_response


async def healthz(request: Request) -> Response:
    """The process is up; deliberately does not touch the database."""
    return json_response(Health(status="ok"))


async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers a query."""
    if await database_answers(app_context(request).pool):
        return json_response(Health(status="ready"))
    return database_unavailable().to_response()


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
