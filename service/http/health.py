"""Liveness and readiness probes (SPEC 7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from service.db.pool import database_answers
from service.http.context import app_context
from service.http.contract import Contract
from service.http.docs import OPERATIONS_TAG
from service.http.errors import DatabaseUnavailable, database_unavailable
from service.http.responses import json_response
from service.http.routing import ApiRoute, Operation


class Health(Contract):
    """GET /healthz and /readyz."""

    status: str


async def healthz(request: Request) -> Response:
    """The process is up; deliberately does not touch the database."""
    return json_response(Health(status="ok"))


async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers a query."""
    if await database_answers(app_context(request).pool):
        return json_response(Health(status="ready"))
    return database_unavailable().to_response()


routes = [
    ApiRoute(
        "/healthz",
        Operation(
            method="GET",
            handler=healthz,
            operation_id="healthz",
            summary="Liveness: the process is up",
            description="Never touches the database.",
            tag=OPERATIONS_TAG,
            response=Health,
        ),
    ),
    ApiRoute(
        "/readyz",
        Operation(
            method="GET",
            handler=readyz,
            operation_id="readyz",
            summary="Readiness: the database answers",
            tag=OPERATIONS_TAG,
            response=Health,
            errors=(DatabaseUnavailable,),
        ),
    ),
]
