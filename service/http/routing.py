"""Routes that carry their own contract: the one place a route is declared.

A feature declares each path once, as an `ApiRoute` holding one `Operation`
per method: the handler and everything the OpenAPI document says about it
(structs, status, headers, errors, summary). `service.http.openapi` builds the
document by walking the app's routes, so a route cannot be served without
being documented, and one path answers 405 with every method it allows.

An operation names only what is particular to it; the builder derives the rest
from its shape:

- an `/api/` path needs a credential (401 AUTH_*), and its `{user_id}` must be
  the caller's (403 FORBIDDEN);
- a `body` can be malformed (400), too large (413) or not JSON (415);
- a `query` can hold unknown or invalid values (400);
- anything can fail unexpectedly (500 INTERNAL_ERROR).

So `errors` lists the outcomes the handler itself decides: its 404s, and 503
when it uses the database or the AI provider.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.http.errors import ApiError

Handler = Callable[[Request], Awaitable[Response]]

_PATH_PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Tag:
    """A group of operations in the document, with what it is for."""

    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class PathParameter:
    """A `{name}` of a path: what it means and its JSON schema."""

    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One method on one path: its handler and the structs it reads and writes."""

    method: str
    handler: Handler
    operation_id: str
    summary: str
    tag: Tag
    description: str | None = None
    # Any type msgspec can describe (a Struct, `list[Struct]`); None: no body.
    response: Any = None
    media_type: str = "application/json"
    status: int = 200
    # Response headers by name, described in `service.http.openapi.RESPONSE_HEADERS`
    # (X-Request-ID is implied).
    headers: tuple[str, ...] = ()
    body: Any = None
    body_required: bool = True
    # A Struct whose fields are the query parameters.
    query: Any = None
    errors: tuple[type[ApiError], ...] = ()
    # Accepts an Idempotency-Key (see service.http.idempotency).
    idempotent: bool = False
    # Which per-user budget a request spends (see service.http.ratelimit).
    rate_limit: Literal["api", "chat"] = "api"


USER_ID = PathParameter(
    name="user_id",
    description="The signed-in user's id; any other user's id is 403 FORBIDDEN.",
    schema={"type": "string", "minLength": 1},
)


class ApiRoute(Route):
    """A path and its operations, one per method (GET also answers HEAD)."""

    def __init__(
        self, path: str, *operations: Operation, parameters: Iterable[PathParameter] = ()
    ) -> None:
        self.operations = operations
        self.parameters = {parameter.name: parameter for parameter in parameters}
        undescribed = set(_PATH_PARAMETER.findall(path)) - set(self.parameters)
        if undescribed:
            raise ValueError(f"{path}: describe the path parameters {sorted(undescribed)}")
        handlers = {operation.method: operation.handler for operation in operations}
        if len(handlers) != len(operations):
            raise ValueError(f"{path}: one operation per method")
        if "GET" in handlers:
            handlers["HEAD"] = handlers["GET"]

        async def dispatch(request: Request) -> Response:
            # Route.handle answers 405 before this for methods not in `handlers`.
            return await handlers[request.method](request)

        super().__init__(path, dispatch, methods=list(handlers), name=operations[0].operation_id)
