"""JSON responses encoded by msgspec (one encoder for the whole service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.responses import Response

encode_json = msgspec.json.Encoder().encode


def json_response(
    content: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Encode `content` (structs, lists, dicts) straight to a JSON response."""
    return Response(encode_json(content), status, headers=headers, media_type="application/json")
