"""Reading request bodies and query strings into contract structs.

Every way a body can be wrong ends here as a SPEC 4 error: not JSON (400
INVALID_JSON), the wrong content type (415), the wrong shape (400
VALIDATION_ERROR with the field). Oversized bodies are stopped earlier, while
they are received (see `service.limits`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import cache
from typing import Any, TypeVar, cast

import msgspec
from starlette.requests import Request

from service.http.errors import (
    InvalidJson,
    UnsupportedMediaType,
    ValidationFailed,
    validation_error,
)

T = TypeVar("T")


@cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    # One decoder per struct, built on first use and kept: building one is
    # far costlier than a decode.
    return msgspec.json.Decoder(type_)


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or a `+json` type, in UTF-8 if a charset is named at all."""
    media_type, *params = content_type.split(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return False
    # Other parameters (e.g. a version) are the client's business; only the charset matters.
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() in ("utf-8", "utf8")
    return True


async def read_json(request: Request, type_: type[T], *, allow_empty: bool = False) -> T | None:
    """Decode the body as `type_`; None for an empty body when `allow_empty`."""
    body = await request.body()
    if not body and allow_empty:
        return None
    content_type = request.headers.get("content-type", "")
    if not is_json_media_type(content_type):
        raise UnsupportedMediaType("Send the body as application/json (UTF-8).")
    if not body:
        raise InvalidJson("The request body is empty; it must be a JSON object.")
    try:
        decoded: T = _decoder(cast(Hashable, type_)).decode(body)
        return decoded
    except msgspec.ValidationError as exc:
        # msgspec may refuse a field before it reads the field's bytes; a body
        # that is not UTF-8 is still "not JSON" first (checked only on this path).
        if not _is_utf_8(body):
            raise InvalidJson("The request body is not valid JSON in UTF-8.") from None
        raise validation_error(exc) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        # msgspec lets invalid UTF-8 inside a string surface as UnicodeDecodeError.
        raise InvalidJson("The request body is not valid JSON in UTF-8.") from None


def read_query(request: Request, type_: type[T]) -> T:
    """Convert the query string to `type_`; unknown or repeated names are errors."""
    params = request.query_params
    repeated = [name for name in params if len(params.getlist(name)) > 1]
    if repeated:
        raise validation_error(
            msgspec.ValidationError(f"Give each query parameter once - at `$.{repeated[0]}`")
        )
    try:
        converted = msgspec.convert(dict(params), type_, strict=False)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None
    # Lax conversion reads "null" as None and "1e2" or "1.0" as integers; in a
    # query string those are mistakes, not values.
    for name, raw in params.items():
        value = getattr(converted, name)
        if value is None:
            raise ValidationFailed("Give a value or leave the parameter out.", field=f"$.{name}")
        if type(value) is int and not _DIGITS.fullmatch(raw):
            raise ValidationFailed("Must be a whole number in digits.", field=f"$.{name}")
    return converted


_DIGITS = re.compile(r"[0-9]+")


def _is_utf_8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
