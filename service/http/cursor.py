"""Opaque cursors for keyset pages (`Link: <...>; rel="next"`).

A cursor holds the sort key and id of the last row of a page, so the next
page starts right after it, whatever was inserted or deleted meanwhile, at the
cost of the first page. It is bound to its list (the sort, order and filters
the caller passes as `shape`) and to its user, and signed with HMAC: a cursor
of another list or another user, or one that was altered, is a 400.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request

from service.http.errors import ValidationFailed

# A cursor as a query parameter: what the OpenAPI document says of it.
CursorParameter = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=512,
        pattern="^[A-Za-z0-9_-]+$",
        description="Where the next page starts: the `cursor` of the previous page's "
        '`Link: <...>; rel="next"` header (instead of `offset`).',
    ),
]


@dataclass(frozen=True)
class Position:
    """Where the next page starts: after the row with this sort key and id."""

    key: Any
    row_id: int


class _Cursor(msgspec.Struct, array_like=True):
    list_hash: str
    key: Any
    row_id: int
    is_time: bool


def _list_hash(user_id: str, shape: tuple[Any, ...]) -> str:
    return hashlib.sha256(msgspec.json.encode([user_id, *shape])).hexdigest()[:16]


def encode_cursor(secret: str, user_id: str, shape: tuple[Any, ...], position: Position) -> str:
    """The opaque cursor of the page after `position` in this user's list."""
    is_time = isinstance(position.key, dt.datetime)
    key = position.key.isoformat() if is_time else position.key
    payload = msgspec.json.encode(
        _Cursor(_list_hash(user_id, shape), key, position.row_id, is_time)
    )
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(payload + signature).decode().rstrip("=")


def decode_cursor(secret: str, user_id: str, shape: tuple[Any, ...], cursor: str) -> Position:
    """The position a cursor names; 400 when it is not one of this list's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise _bad_cursor() from None
    payload, signature = raw[:-16], raw[-16:]
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    if len(raw) <= 16 or not hmac.compare_digest(signature, expected):
        raise _bad_cursor()
    try:
        decoded = msgspec.json.decode(payload, type=_Cursor)
    except msgspec.DecodeError:
        raise _bad_cursor() from None
    if not hmac.compare_digest(decoded.list_hash, _list_hash(user_id, shape)):
        raise _bad_cursor()
    key = dt.datetime.fromisoformat(decoded.key) if decoded.is_time else decoded.key
    return Position(key, decoded.row_id)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "This cursor is not one this list gave; start again without it.", field="$.cursor"
    )


def next_page_url(request: Request, start: str) -> str:
    """This request's path and query, starting at cursor `start` instead of an offset."""
    params = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name not in ("cursor", "offset")
    ]
    return f"{request.url.path}?{urlencode([*params, ('cursor', start)])}"


def next_link(
    request: Request, secret: str, user_id: str, shape: tuple[Any, ...], after: Position
) -> str:
    """The `Link` header value naming the page after `after`."""
    start = encode_cursor(secret, user_id, shape, after)
    return f'<{next_page_url(request, start)}>; rel="next"'


def cursor_or_offset(cursor: str | None, offset: int) -> None:
    """A query's `__post_init__` check: a cursor and an offset together make no sense."""
    if cursor is not None and offset:
        raise ValueError("Give a cursor or an offset, not both - at `$.offset`")
