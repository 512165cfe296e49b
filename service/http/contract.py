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
