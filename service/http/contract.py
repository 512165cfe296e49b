"""What every request and response struct shares: the strict base and its helpers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

# RFC 3339 needs an offset; a naive time would silently mean "server local".
AwareDatetime = Annotated[dt.datetime, Meta(tz=True)]


class Contract(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request and response body: strict and keyword-only."""


def invalid(path: str, message: str) -> ValueError:
    """A validation error from `__post_init__`, naming its field.

    msgspec keeps only the message of errors raised there, so the field path
    goes into the message in msgspec's own ` - at `$.x`` form, which
    `errors.validation_error` turns back into the `field` of the error body.
    """
    return ValueError(f"{message} - at `{path}`")


def checked_time(path: str, value: dt.datetime | None) -> dt.datetime | None:
    """`value` if it is a time every part of the system can hold, else a field error.

    The valid range is years 1 to 9999 in UTC, after applying the offset (which
    RFC 3339 and Python keep within plus or minus 23:59): PostgreSQL would
    store a later or earlier instant, but Python, and so the next read, could
    not decode it. The two extreme instants themselves are refused too: the
    driver sends them as -infinity and infinity.
    """
    if value is None:
        return None
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = _EARLIEST
    if not _EARLIEST < utc < _LATEST:
        raise invalid(path, "Must be a time within years 1 to 9999 in UTC")
    return value


_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
