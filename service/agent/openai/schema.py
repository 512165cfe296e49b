"""The task tools (with `undo_last_change`) as chat-completions functions.

The JSON schemas come from the argument structs of `service.agent.toolspec`
(msgspec.json.schema), reduced to the subset every provider accepts: Gemini's
OpenAI-compatible endpoint has rejected `$ref`, `anyOf`, `title`, `default`,
`additionalProperties` and numeric bounds at one time or another, and local
servers pass the schema into a prompt template where less is clearer. So
references are inlined, `X | None` becomes plain `X`, enums get their `type`,
and defaults and bounds move into the description, where the model reads them.
The toolbox still validates every call with the full struct, so nothing the
schema no longer says is lost as a check.
"""

from __future__ import annotations

from typing import Any

import msgspec

from service.agent.toolspec import TOOLS, ToolSpec

# Keys that survive as they are; everything else is dropped or reworded.
_KEPT_KEYS = ("type", "description", "enum", "format", "items", "properties", "required")
_KEPT_FORMATS = ("date-time",)

# What the model most needs to know about a field, beyond its type.
_FIELD_HINTS: dict[str, str] = {
    "title": "Short title of the task.",
    "description": "Longer notes about the task.",
    "priority": "Priority of the task.",
    "due_at": "When the task is due: an RFC 3339 date-time with a UTC offset, "
    "e.g. 2026-11-23T17:00:00Z.",
    "due_before": "Only tasks due before this RFC 3339 date-time.",
    "due_after": "Only tasks due after this RFC 3339 date-time.",
    "tags": "Labels for the task; distinct, each 1-32 characters.",
    "tag": "Only tasks with this tag.",
    "q": "Only tasks whose title or description contains this text.",
    "status": "Which tasks: all, pending (not done) or completed.",
    "completed": "true marks the task done, false reopens it.",
}

# update_task: null is meaningful there (it clears the field), so say so.
_CLEARABLE_HINT = "Send null to clear it."


def tool_definitions() -> list[dict[str, Any]]:
    """The `tools` array of a chat-completions request, one function per tool."""
    return [function_for(tool) for tool in TOOLS]


def function_for(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": parameters_for(tool.arguments),
        },
    }


def parameters_for(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """The provider-safe JSON schema of one argument struct (an object)."""
    raw = msgspec.json.schema(struct)
    root = _resolve(raw, raw.get("$defs", {}))
    clearable = _clearable_fields(struct)
    properties = {
        name: _simplify(name, prop, clearable=name in clearable)
        for name, prop in root.get("properties", {}).items()
    }
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    required = list(root.get("required", []))
    if required:
        parameters["required"] = required
    return parameters


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    """Inline every `$ref` (our structs have no recursive types)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return _resolve(defs[ref.rsplit("/", 1)[-1]], defs)
        return {key: _resolve(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    return node


def _clearable_fields(struct: type[msgspec.Struct]) -> set[str]:
    """Fields where null means something other than leaving the field out.

    A field whose default is null treats null and absence alike; a nullable
    field whose default is UNSET (update_task's description and due_at) uses
    null to clear the stored value.
    """
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    defaults = {field.name: field.default for field in msgspec.structs.fields(struct)}
    clearable = set()
    for field in info.fields:
        nullable = isinstance(field.type, msgspec.inspect.UnionType) and any(
            isinstance(member, msgspec.inspect.NoneType) for member in field.type.types
        )
        if nullable and defaults[field.name] is msgspec.UNSET:
            clearable.add(field.name)
    return clearable


def _simplify(name: str, prop: dict[str, Any], *, clearable: bool) -> dict[str, Any]:
    notes = [note for note in (_FIELD_HINTS.get(name), prop.get("description")) if note]
    if clearable:
        notes.append(_CLEARABLE_HINT)
    if "default" in prop and prop["default"] not in (None, []):
        notes.append(f"Default: {msgspec.json.encode(prop['default']).decode()}.")
    schema = _strip(_without_null(prop), notes)
    if notes:
        # Deduplicate while keeping order (a hint may repeat the struct's own text).
        schema["description"] = " ".join(dict.fromkeys(notes))
    return schema


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` becomes X."""
    branches = prop.get("anyOf")
    if not isinstance(branches, list):
        return prop
    kept = [branch for branch in branches if branch.get("type") != "null"]
    if len(kept) != 1:
        return prop
    return {**{k: v for k, v in prop.items() if k != "anyOf"}, **kept[0]}


def _strip(node: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Keep the portable keys; turn the bounds the model should respect into words."""
    if "maxLength" in node:
        notes.append(f"At most {node['maxLength']} characters.")
    if "maxItems" in node:
        notes.append(f"At most {node['maxItems']} items.")
    schema: dict[str, Any] = {}
    for key in _KEPT_KEYS:
        if key not in node or key == "description":
            continue
        value = node[key]
        if key == "format" and value not in _KEPT_FORMATS:
            continue
        if key == "items":
            value = _strip(value, notes)
        schema[key] = value
    if "enum" in schema and "type" not in schema:
        schema["type"] = _enum_type(schema["enum"])
    return schema


def _enum_type(values: list[Any]) -> str:
    if all(isinstance(value, str) for value in values):
        return "string"
    if all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        return "integer"
    raise TypeError(f"enum of mixed types cannot be described portably: {values!r}")
