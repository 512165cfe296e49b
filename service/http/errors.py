"""Typed API errors and the one place that turns failures into SPEC 4 bodies.

Handlers raise `ApiError` subclasses; msgspec validation errors, asyncpg
connection failures and unexpected exceptions are mapped here too, so every
error the service answers has the same shape:
`{"detail": "<sentence>", "error_code": "<CODE>", "field"?: "$.title"}`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

logger = logging.getLogger("service.errors")

DATABASE_RETRY_AFTER_SECONDS = 5


class ErrorBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The JSON body of every error response (SPEC 4)."""

    detail: str
    error_code: str
    field: str | None = None
    conversation_id: int | None = None


_encode = msgspec.json.Encoder().encode


def error_response(
    status: int,
    error_code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    conversation_id: int | None = None,
) -> Response:
    """A SPEC 4 error response; usable from middleware as well as handlers."""
    body = ErrorBody(
        detail=detail, error_code=error_code, field=field, conversation_id=conversation_id
    )
    return Response(_encode(body), status, headers=headers, media_type="application/json")


class ApiError(Exception):
    """An error with a status and a code the client can act on."""

    status = 400
    error_code = "BAD_REQUEST"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        conversation_id: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers
        self.conversation_id = conversation_id

    def to_response(self) -> Response:
        return error_response(
            self.status,
            self.error_code,
            self.detail,
            field=self.field,
            headers=self.headers,
            conversation_id=self.conversation_id,
        )


class InvalidJson(ApiError):
    status, error_code = 400, "INVALID_JSON"


class ValidationFailed(ApiError):
    status, error_code = 400, "VALIDATION_ERROR"


class AuthRequired(ApiError):
    status, error_code = 401, "AUTH_REQUIRED"


class AuthInvalid(ApiError):
    status, error_code = 401, "AUTH_INVALID"


class AuthExpired(ApiError):
    status, error_code = 401, "AUTH_EXPIRED"


class Forbidden(ApiError):
    status, error_code = 403, "FORBIDDEN"


class NotFound(ApiError):
    status, error_code = 404, "NOT_FOUND"


class TaskNotFound(ApiError):
    status, error_code = 404, "TASK_NOT_FOUND"


class ConversationNotFound(ApiError):
    status, error_code = 404, "CONVERSATION_NOT_FOUND"


class MethodNotAllowed(ApiError):
    status, error_code = 405, "METHOD_NOT_ALLOWED"


class IdempotencyKeyInUse(ApiError):
    status, error_code = 409, "IDEMPOTENCY_KEY_IN_USE"


class IdempotencyKeyReused(ApiError):
    status, error_code = 422, "IDEMPOTENCY_KEY_REUSED"


class RateLimited(ApiError):
    status, error_code = 429, "RATE_LIMITED"


class PayloadTooLarge(ApiError):
    status, error_code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    status, error_code = 415, "UNSUPPORTED_MEDIA_TYPE"


class DatabaseUnavailable(ApiError):
    status, error_code = 503, "DATABASE_UNAVAILABLE"


class AiUnavailable(ApiError):
    status, error_code = 503, "AI_UNAVAILABLE"


class AiTimeout(ApiError):
    status, error_code = 503, "AI_TIMEOUT"


# msgspec says e.g. "Expected `str`, got `int` - at `$.title`"; the path is
# the field clients want, the rest is already a sentence.
_MSGSPEC_PATH = re.compile(r" - at `(?P<path>\$[^`]*)`$")
# Unknown and missing fields are named in the message, not in the path.
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]*)`")


def validation_error(exc: msgspec.ValidationError) -> ValidationFailed:
    """Turn msgspec's message into a SPEC 4 validation error with its field."""
    message = str(exc)
    match = _MSGSPEC_PATH.search(message)
    field = match["path"] if match else None
    detail = message[: match.start()] if match else message
    named = _NAMED_FIELD.search(detail)
    if named:
        field = f"{field or '$'}.{named['name']}"
    detail = detail.replace("`", "")
    if not detail.endswith("."):
        detail += "."
    return ValidationFailed(detail[0].upper() + detail[1:], field=field)


# Errors meaning "the database is not there right now", as opposed to a bug in
# a statement. asyncpg raises OSError subclasses for refused connections,
# TimeoutError past the acquire or client-side statement bound, and
# QueryCanceledError when the server's statement_timeout stops a statement.
DATABASE_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
)


def database_unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable(
        "The database is unavailable; please retry shortly.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.to_response()


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown route, wrong method) in SPEC 4 shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        headers = dict(exc.headers or {})
        return MethodNotAllowed("This method is not allowed here.", headers=headers).to_response()
    if exc.status_code == 404:
        return NotFound("No such resource.").to_response()
    return error_response(exc.status_code, "HTTP_ERROR", str(exc.detail))


async def handle_database_down(request: Request, exc: Exception) -> Response:
    """The database went away mid-request: 503 with Retry-After, never a 500."""
    logger.warning("database unavailable: %s", type(exc).__name__)
    return database_unavailable().to_response()


def internal_error(request_id: str) -> Response:
    """The body of a 500: a request id to quote, no internals."""
    return error_response(
        500, "INTERNAL_ERROR", f"Internal error; quote request id {request_id} when reporting it."
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    **dict.fromkeys(DATABASE_DOWN_ERRORS, handle_database_down),
}
