"""Which Content-Type values count as a JSON body (anything else is 415)."""

from __future__ import annotations

import pytest

from service.http.bodies import is_json_media_type


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON; Charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json; charset=utf8",
        "application/json;",
        "  application/json  ",
        "application/problem+json",
        "application/vnd.api+json; charset=utf-8",
        "application/json; version=2",
        "application/json; charset=utf-8; version=2",
        "application/json; version=2; charset=utf-8",
    ],
)
def test_json_media_types_are_accepted(content_type: str) -> None:
    assert is_json_media_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        "text/plain",
        "text/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json-patch",
        "application/xml",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; version=2; charset=iso-8859-1",
    ],
)
def test_other_media_types_and_charsets_are_refused(content_type: str) -> None:
    assert not is_json_media_type(content_type)
