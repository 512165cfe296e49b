"""msgspec validation errors as SPEC 4 bodies: a sentence and the field."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from service.http.errors import (
    ConversationNotFound,
    TaskNotFound,
    ValidationFailed,
    error_response,
    validation_error,
)
from service.tasks.contracts import TaskCreate, TaskListQuery, TaskUpdate


class Inner(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class Outer(msgspec.Struct, forbid_unknown_fields=True):
    inner: Inner
    items: list[Annotated[int, msgspec.Meta(ge=0)]] = msgspec.field(default_factory=list)


def error_of(raw: bytes, type_: type[object]) -> ValidationFailed:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(raw, type=type_)
    return validation_error(caught.value)


@pytest.mark.parametrize(
    ("raw", "detail", "field"),
    [
        (b'{"title": 5}', "Expected str, got int.", "$.title"),
        (b'{"title": "x", "tags": [1]}', "Expected str, got int.", "$.tags[0]"),
        (b'{"title": "   "}', "Must not be empty.", "$.title"),
        (b'{"title": "x", "priority": "urgent"}', "Invalid enum value 'urgent'.", "$.priority"),
        (
            b'{"title": "x", "due_at": "2026-01-01T00:00:00"}',
            "Expected datetime with a timezone component.",
            "$.due_at",
        ),
        (b'{"title": "x", "tags": ["a", "a"]}', "Tags must be distinct.", "$.tags"),
        (b"[]", "Expected object, got array.", None),
    ],
)
def test_a_contract_error_becomes_a_sentence_and_its_field(
    raw: bytes, detail: str, field: str | None
) -> None:
    error = error_of(raw, TaskCreate)
    assert (error.status, error.error_code) == (400, "VALIDATION_ERROR")
    assert error.detail == detail
    assert error.field == field


def test_an_unknown_field_is_named_as_the_field() -> None:
    error = error_of(b'{"title": "x", "user_id": "someone"}', TaskCreate)
    assert error.field == "$.user_id"
    assert error.detail == "Object contains unknown field user_id."


def test_an_unknown_field_in_a_nested_object_gets_the_full_path() -> None:
    error = error_of(b'{"inner": {"name": "x", "extra": 1}}', Outer)
    assert error.field == "$.inner.extra"


def test_a_nested_type_error_keeps_msgspec_path() -> None:
    assert error_of(b'{"inner": {"name": 1}}', Outer).field == "$.inner.name"
    error = error_of(b'{"inner": {"name": "x"}, "items": [1, -1]}', Outer)
    assert (error.detail, error.field) == ("Expected int >= 0.", "$.items[1]")


def test_a_missing_field_is_named_in_the_sentence_and_as_the_field() -> None:
    error = error_of(b"{}", TaskCreate)
    assert "title" in error.detail
    assert "`" not in error.detail
    assert error.field == "$.title"


def test_a_rule_across_fields_has_no_single_field() -> None:
    error = error_of(b"{}", TaskUpdate)
    assert error.field is None
    assert error.detail.startswith("Give at least one of: title")
    assert error.detail.endswith(".")


def test_query_string_errors_map_the_same_way() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert({"limit": "0"}, TaskListQuery, strict=False)
    error = validation_error(caught.value)
    assert (error.detail, error.field) == ("Expected int >= 1.", "$.limit")


@pytest.mark.parametrize(
    ("message", "detail", "field"),
    [
        ("must not be empty - at `$.title`", "Must not be empty.", "$.title"),
        ("Already a sentence. - at `$.a`", "Already a sentence.", "$.a"),
        (
            "Object contains unknown field `x` - at `$.a[2]`",
            "Object contains unknown field x.",
            "$.a[2].x",
        ),
        ("no path here", "No path here.", None),
        # only a trailing path is a path; one in the middle stays text
        ("see `$.x` - and more", "See $.x - and more.", None),
    ],
)
def test_message_forms(message: str, detail: str, field: str | None) -> None:
    error = validation_error(msgspec.ValidationError(message))
    assert (error.detail, error.field) == (detail, field)


def test_error_bodies_omit_absent_optional_keys() -> None:
    response = error_response(404, "TASK_NOT_FOUND", "No such task.")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert msgspec.json.decode(response.body) == {
        "detail": "No such task.",
        "error_code": "TASK_NOT_FOUND",
    }


def test_typed_errors_carry_status_code_field_headers_and_conversation() -> None:
    response = ValidationFailed("Bad.", field="$.title").to_response()
    assert response.status_code == 400
    assert msgspec.json.decode(response.body) == {
        "detail": "Bad.",
        "error_code": "VALIDATION_ERROR",
        "field": "$.title",
    }
    assert TaskNotFound("x").to_response().status_code == 404
    retry = ConversationNotFound("Gone.", headers={"Retry-After": "5"}, conversation_id=7)
    response = retry.to_response()
    assert response.headers["retry-after"] == "5"
    assert msgspec.json.decode(response.body)["conversation_id"] == 7
