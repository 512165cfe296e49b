"""The JSON contract of the task API (SPEC 5), as msgspec structs.

Request structs validate while they decode: types, ranges and unknown fields
by msgspec itself, the rules msgspec cannot express (trimming, NUL characters,
distinct tags) in `__post_init__`. The chat tools decode their arguments into
the same structs, so there is one definition of what a valid task is.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.http.contract import (
    NO_NUL_PATTERN,
    AwareDatetime,
    Contract,
    checked_time,
    invalid,
    trimmed_text_schema,
)
from service.http.cursor import CursorParameter, cursor_or_offset

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
TAG_MAX = 32
TAGS_MAX = 10

Priority = Literal["none", "low", "medium", "high"]
TaskStatus = Literal["all", "pending", "completed"]
TaskSort = Literal["created_at", "updated_at", "due_at", "priority", "title"]
SortOrder = Literal["asc", "desc"]
# What the OpenAPI document says of each field is what __post_init__ enforces.
Title = Annotated[
    str,
    Meta(extra_json_schema=trimmed_text_schema(TITLE_MAX, "Trimmed; 1 to 200 characters.")),
]
Description = Annotated[
    str,
    Meta(
        extra_json_schema={
            "maxLength": DESCRIPTION_MAX,
            "pattern": NO_NUL_PATTERN,
            "description": "Up to 2000 characters, kept as sent; null for none.",
        }
    ),
]
Tag = Annotated[
    str,
    Meta(extra_json_schema=trimmed_text_schema(TAG_MAX, "Trimmed; 1 to 32 characters.")),
]
Tags = Annotated[
    list[Tag],
    Meta(
        max_length=TAGS_MAX,
        extra_json_schema={
            "uniqueItems": True,
            "description": "Up to 10 distinct tags; tags equal after trimming are kept once.",
        },
    ),
]


def clean_text(path: str, value: str, *, max_length: int, trim: bool = True) -> str:
    """Trim and check one text field: no NUL, 1..max_length characters."""
    if "\x00" in value:
        raise invalid(path, "Text must not contain NUL characters")
    if trim:
        value = value.strip()
    if not value:
        raise invalid(path, "Must not be empty")
    if len(value) > max_length:
        raise invalid(path, f"Must be at most {max_length} characters")
    return value


def clean_description(value: str | None) -> str | None:
    if value is None:
        return None
    if "\x00" in value:
        raise invalid("$.description", "Text must not contain NUL characters")
    if len(value) > DESCRIPTION_MAX:
        raise invalid("$.description", f"Must be at most {DESCRIPTION_MAX} characters")
    return value


def clean_tags(tags: list[str]) -> list[str]:
    """Trimmed tags. The same tag sent twice is refused (as the schema's
    uniqueItems says); tags that differ only in surrounding whitespace are
    one tag, kept once where it first appears."""
    if len(set(tags)) != len(tags):
        raise invalid("$.tags", "Tags must be distinct")
    cleaned = [clean_text(f"$.tags[{i}]", tag, max_length=TAG_MAX) for i, tag in enumerate(tags)]
    return list(dict.fromkeys(cleaned))


class TaskCreate(Contract):
    """POST /api/{user_id}/tasks."""

    title: Title
    description: Description | None = None
    priority: Priority = "none"
    due_at: AwareDatetime | None = None
    tags: Tags = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = clean_text("$.title", self.title, max_length=TITLE_MAX)
        self.description = clean_description(self.description)
        self.due_at = checked_time("$.due_at", self.due_at)
        self.tags = clean_tags(self.tags)


class TaskUpdate(Contract):
    """PUT and PATCH /api/{user_id}/tasks/{task_id}: any subset, at least one.

    An absent field is left as it is; `null` clears description and due_at.
    """

    title: Title | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    completed: bool | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    due_at: AwareDatetime | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not self.changes():
            raise ValueError("Give at least one of: " + ", ".join(self.__struct_fields__))
        if self.title is not UNSET:
            self.title = clean_text("$.title", self.title, max_length=TITLE_MAX)
        if self.description is not UNSET:
            self.description = clean_description(self.description)
        if self.due_at is not UNSET:
            self.due_at = checked_time("$.due_at", self.due_at)
        if self.tags is not UNSET:
            self.tags = clean_tags(self.tags)

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as JSON-ready values for the SQL."""
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not UNSET
        }


# PUT and PATCH as the OpenAPI document describes them: at least one field.
TaskUpdateBody = Annotated[TaskUpdate, Meta(extra_json_schema={"minProperties": 1})]


class TaskCompletion(Contract):
    """PATCH .../complete: no body toggles, `{"completed": bool}` sets."""

    completed: bool | UnsetType = UNSET


class TaskListQuery(Contract):
    """The query string of GET /api/{user_id}/tasks."""

    status: TaskStatus = "all"
    q: (
        Annotated[
            str, Meta(min_length=1, max_length=200, extra_json_schema={"pattern": NO_NUL_PATTERN})
        ]
        | None
    ) = None
    priority: Priority | None = None
    tag: (
        Annotated[
            str,
            Meta(min_length=1, max_length=TAG_MAX, extra_json_schema={"pattern": NO_NUL_PATTERN}),
        ]
        | None
    ) = None
    due_before: AwareDatetime | None = None
    due_after: AwareDatetime | None = None
    sort: TaskSort = "created_at"
    order: SortOrder = "desc"
    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    offset: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    cursor: CursorParameter | None = None

    def __post_init__(self) -> None:
        cursor_or_offset(self.cursor, self.offset)
        for name in ("q", "tag"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                raise invalid(f"$.{name}", "Text must not contain NUL characters")
        self.due_before = checked_time("$.due_before", self.due_before)
        self.due_after = checked_time("$.due_after", self.due_after)


class Task(Contract):
    """A task as the API returns it."""

    id: int
    user_id: str
    title: str
    description: str | None
    completed: bool
    priority: Priority
    due_at: AwareDatetime | None
    tags: list[str]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    completed_at: AwareDatetime | None
