"""What every request and response struct shares: the strict base and its helpers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import Meta

# RFC 3339 needs an offset; a naive time would silently mean "server local".
AwareDatetime = Annotated[dt.datetime, Meta(tz=True)]


class Contract(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request and response body: strict and keyword-only."""


# The characters Python's str.strip() removes, spelled out so that the schema
# means the same to every JSON Schema engine (ECMA's \s is another set).
_SPACE = (
    r"[\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680"
    r"\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_NOT_SPACE_OR_NUL = _SPACE.replace("[", "[^\\u0000", 1)


def trimmed_text_schema(max_length: int, description: str) -> dict[str, Any]:
    """JSON Schema of a text trimmed by the server: 1..max_length characters
    after trimming whitespace, and no NUL anywhere."""
    middle = f"(?:[^\\u0000]{{0,{max_length - 2}}}{_NOT_SPACE_OR_NUL})?" if max_length > 1 else ""
    return {
        "pattern": f"^{_SPACE}*{_NOT_SPACE_OR_NUL}{middle}{_SPACE}*$",
        "description": description,
    }


NO_NUL_PATTERN = "^[^\\u0000]*$"


def invalid(path: str, message: str) -> ValueError:
    """A validation error from `__post_init__`, naming its field.

    msgspec keeps only the message of errors raised there, so the field path
    goes into the message in msgspec's own ` - at `$.x`` form, which
    `errors.validation_error` turns back into the `field` of the error body.
    """
    return ValueError(f"{message} - at `{path}`")


# JSON Schema counts 3.0 as the integer 3, and JavaScript cannot tell them
# apart, so an id field accepts both; `whole_number` turns it into an int.
JsonInteger = int | float
# Beyond 2**53 a float no longer holds every integer exactly.
_EXACT_FLOAT_LIMIT = 2**53


def integer_schema(minimum: int, maximum: int) -> Meta:
    """What the OpenAPI document says of a `JsonInteger` field."""
    return Meta(extra_json_schema={"type": "integer", "minimum": minimum, "maximum": maximum})


def whole_number(path: str, value: int | float, *, minimum: int, maximum: int) -> int:
    """`value` as an int within [minimum, maximum], else a field error."""
    if isinstance(value, float):
        if not (value.is_integer() and abs(value) <= _EXACT_FLOAT_LIMIT):
            raise invalid(path, "Must be a whole number")
        value = int(value)
    if not minimum <= value <= maximum:
        raise invalid(path, f"Must be from {minimum} to {maximum}")
    return value


def checked_time(path: str, value: dt.datetime | None) -> dt.datetime | None:
    """`value` if it is a time every part of the system can hold, else a field error.

    The valid range is years 1 to 9999 in UTC, after applying the offset (which
    RFC 3339 and Python keep within plus or minus 23:59): PostgreSQL would
    store a later or earlier instant, but Python, and so the next read, could
    not decode it. The very first and last microsecond of the range are moved
    one microsecond inwards: the driver would send them as -infinity and
    infinity.
    """
    if value is None:
        return None
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        raise invalid(path, "Must be a time within years 1 to 9999 in UTC") from None
    if utc == _EARLIEST:
        return _EARLIEST + _MICROSECOND
    if utc == _LATEST:
        return _LATEST - _MICROSECOND
    return value


_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
