"""What a chat-completions answer says: the assistant's turn, or an error's kind.

Reading the answer body is kept apart from sending the request
(`client.py`): providers differ in what they put in it (content parts,
arguments as objects, no ids, no usage), and each difference is handled here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

# Provider error bodies are logged to help diagnose a 400; long ones are cut.
# An error's type or code is logged only when it looks like an identifier.
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")


@dataclass(frozen=True, kw_only=True)
class ToolRequest:
    """One function call the model asked for; `arguments` is its raw JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, kw_only=True)
class AssistantTurn:
    """The model's answer: text, tool calls, or both."""

    content: str | None
    tool_calls: list[ToolRequest] = field(default_factory=list)
    # What the provider's `usage` says this answer cost (0 when it says nothing).
    prompt_tokens: int = 0
    completion_tokens: int = 0


def error_kind(response: httpx.Response) -> str:
    """ "type=..., code=..." of an OpenAI-style error body, for the logs; never its text."""
    try:
        error = msgspec.json.decode(response.content).get("error")
    except (msgspec.DecodeError, AttributeError):
        return "no error object"
    if not isinstance(error, dict):
        return "no error object"
    parts = []
    for name in ("type", "code"):
        value = error.get(name)
        if isinstance(value, str | int) and _IDENTIFIER.fullmatch(str(value)):
            parts.append(f"{name}={value}")
    return ", ".join(parts) or "no error type or code"


def parse_turn(payload: dict[str, Any]) -> AssistantTurn:
    """The assistant's turn from a chat-completions answer body."""
    message = payload["choices"][0]["message"]
    if not isinstance(message, dict):
        raise TypeError("message is not an object")
    calls = []
    for raw in message.get("tool_calls") or []:
        function = raw.get("function") or {}
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            # Some local servers send the object itself rather than its JSON text.
            arguments = "{}" if arguments is None else msgspec.json.encode(arguments).decode()
        calls.append(
            ToolRequest(
                # Not every server sets ids; the agent then makes one up.
                id=str(raw.get("id") or ""),
                name=str(function.get("name") or ""),
                arguments=arguments,
            )
        )
    usage = payload.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    return AssistantTurn(
        content=_text_of(message.get("content")),
        tool_calls=calls,
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _text_of(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: keep the text ones
        texts = [part.get("text", "") for part in content if isinstance(part, dict)]
        return "".join(texts)
    raise TypeError("content is neither text nor parts")
