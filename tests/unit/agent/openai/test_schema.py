"""The tools as chat-completions functions: complete, correct, portable."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from service.agent.openai.schema import tool_definitions
from service.agent.toolspec import TOOLS, UpdateTaskArgs

# Keywords some provider has refused in function parameters (Gemini above all).
UNPORTABLE = {
    "$ref",
    "$defs",
    "anyOf",
    "oneOf",
    "allOf",
    "title",
    "default",
    "additionalProperties",
    "minimum",
    "maximum",
    "maxLength",
    "maxItems",
}


def walk(node: Any, path: str = "$") -> list[tuple[str, str, Any]]:
    """Every (path, key, value) in a JSON document."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((path, key, value))
            # Under "properties" the keys are field names, not keywords.
            if key == "properties":
                for name, prop in value.items():
                    found.extend(walk(prop, f"{path}.properties.{name}"))
            else:
                found.extend(walk(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(walk(item, f"{path}[{index}]"))
    return found


def by_name() -> dict[str, dict[str, Any]]:
    return {tool["function"]["name"]: tool["function"] for tool in tool_definitions()}


def test_every_tool_is_a_function_with_an_object_schema() -> None:
    tools = tool_definitions()
    assert [tool["function"]["name"] for tool in tools] == [spec.name for spec in TOOLS]
    for tool, spec in zip(tools, TOOLS, strict=True):
        assert tool["type"] == "function"
        assert tool["function"]["description"] == spec.description
        assert tool["function"]["parameters"]["type"] == "object"


def test_properties_are_exactly_the_argument_struct_fields() -> None:
    functions = by_name()
    for spec in TOOLS:
        properties = functions[spec.name]["parameters"]["properties"]
        assert list(properties) == list(spec.arguments.__struct_fields__)


@pytest.mark.parametrize(
    ("tool", "required"),
    [
        ("add_task", ["title"]),
        ("list_tasks", None),
        ("complete_task", ["task_id"]),
        ("delete_task", ["task_id"]),
        ("update_task", ["task_id"]),
    ],
)
def test_required_lists_only_fields_without_a_default(
    tool: str, required: list[str] | None
) -> None:
    # An empty `required` has been refused by Gemini, so it is left out.
    assert by_name()[tool]["parameters"].get("required") == required


def test_schemas_use_no_keyword_a_picky_provider_refuses() -> None:
    offending = [(path, key) for path, key, _ in walk(tool_definitions()) if key in UNPORTABLE]
    assert offending == []


def test_every_property_has_a_single_type_and_enums_are_typed_strings() -> None:
    for name, function in by_name().items():
        for field, prop in function["parameters"]["properties"].items():
            assert isinstance(prop.get("type"), str), (name, field)
            if "enum" in prop:
                assert prop["type"] == "string"
                assert all(isinstance(value, str) for value in prop["enum"])


def test_only_date_time_format_is_kept() -> None:
    formats = {value for _, key, value in walk(tool_definitions()) if key == "format"}
    assert formats == {"date-time"}


def test_task_id_is_an_integer_the_model_is_told_about() -> None:
    task_id = by_name()["delete_task"]["parameters"]["properties"]["task_id"]
    assert task_id["type"] == "integer"
    assert "task" in task_id["description"].lower()


def test_defaults_and_bounds_move_into_the_description() -> None:
    properties = by_name()["list_tasks"]["parameters"]["properties"]
    assert 'Default: "all"' in properties["status"]["description"]
    assert "At most 200 characters" in properties["q"]["description"]
    tags = by_name()["add_task"]["parameters"]["properties"]["tags"]
    assert tags["type"] == "array"
    assert tags["items"] == {"type": "string"}
    assert "At most 10 items" in tags["description"]


def test_update_task_says_null_clears_description_and_due_date() -> None:
    properties = by_name()["update_task"]["parameters"]["properties"]
    assert "null to clear" in properties["description"]["description"]
    assert "null to clear" in properties["due_at"]["description"]
    assert "null" not in properties["title"].get("description", "")
    # On add_task, null and absence mean the same, so nothing is said.
    add = by_name()["add_task"]["parameters"]["properties"]
    assert "null" not in add["description"].get("description", "")


def test_nothing_in_the_schemas_names_or_accepts_a_user() -> None:
    encoded = msgspec.json.encode(tool_definitions()).decode().lower()
    assert "user_id" not in encoded
    for function in by_name().values():
        assert "user_id" not in function["parameters"]["properties"]


def test_what_the_schema_describes_is_what_the_toolbox_accepts() -> None:
    # A call that uses every documented field decodes with the real struct.
    msgspec.convert(
        {
            "task_id": 3,
            "title": "Buy oat milk",
            "description": None,
            "priority": "high",
            "due_at": "2026-11-23T09:00:00Z",
            "tags": ["shop"],
        },
        UpdateTaskArgs,
    )
