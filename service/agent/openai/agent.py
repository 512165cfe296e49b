"""The tool loop of the OpenAI-compatible agent.

Each reply: system prompt + replayed history + tools go to the model; the tool
calls it asks for run through the toolbox (bound to the signed-in user) and
their results go back, for up to MAX_TOOL_ROUNDS rounds; the model's final
text is the reply. Whatever the model sends as arguments, the worst outcome is
an `{"error": ...}` tool result it can read, never a failed request.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any, cast

import httpx
import msgspec

from service.agent.base import HistoryMessage, Toolbox, zone_of
from service.agent.openai.answers import ToolRequest
from service.agent.openai.client import ChatClient
from service.agent.openai.prompt import (
    assistant_tool_message,
    history_messages,
    system_prompt,
    tool_result_message,
)
from service.agent.openai.schema import tool_definitions
from service.metrics import Metrics
from service.settings import Settings, SettingsError

logger = logging.getLogger("service.agent.openai")

MAX_TOOL_ROUNDS = 5
# A model asking for more calls than this in one round is looping; the rest
# get an error result (each call still needs an answer for the protocol).
MAX_CALLS_PER_ROUND = 10
TOO_MANY_CALLS_ERROR = f"Too many tool calls in one step; at most {MAX_CALLS_PER_ROUND} run."

TOO_MANY_ROUNDS_REPLY = (
    f"Sorry, that needed more than {MAX_TOOL_ROUNDS} rounds of actions, so I stopped. "
    "The actions listed with this reply were carried out; please check your tasks "
    "and ask again for what is still missing."
)
EMPTY_REPLY_AFTER_TOOLS = "Done."
TOOL_LIMIT_REPLY = (
    "I stopped after {limit} actions, the most I take for one message. The actions "
    "listed with this reply were carried out; ask again for what is still missing."
)
EMPTY_REPLY = (
    "Sorry, I have no answer to that. I can add, list, complete, update and delete your tasks."
)


class OpenAIAgent:
    """The Agent protocol over an OpenAI-compatible chat-completions API."""

    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self._tools = tool_definitions()

    async def reply(
        self, history: Sequence[HistoryMessage], toolbox: Toolbox, *, today: dt.date
    ) -> str:
        """Answer the last user message of `history`, running tools as the model asks."""
        zone = zone_of(history)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(_now_for(today, zone))},
            *history_messages(history),
        ]
        ran_tools = False
        replayed = toolbox.take_replay()
        if replayed:
            # A failed attempt of this turn ran these: the model continues after them.
            ids = [f"prev{index:05d}" for index in range(len(replayed))]
            messages.append(assistant_tool_message(None, list(zip(ids, replayed, strict=True))))
            messages.extend(
                tool_result_message(call_id, call.result)
                for call_id, call in zip(ids, replayed, strict=True)
            )
            ran_tools = True
        used_ids = {call["id"] for m in messages for call in m.get("tool_calls", [])}
        async with self.client.session() as http:
            for round_number in range(1, MAX_TOOL_ROUNDS + 2):
                turn = await self.client.complete(
                    http, messages, self._tools, budget=toolbox.budget
                )
                toolbox.budget.spent(self.client.model, turn.prompt_tokens, turn.completion_tokens)
                if not turn.tool_calls:
                    text = (turn.content or "").strip()
                    return text or (EMPTY_REPLY_AFTER_TOOLS if ran_tools else EMPTY_REPLY)
                if round_number > MAX_TOOL_ROUNDS:
                    break
                calls = _with_ids(turn.tool_calls, round_number, used_ids)
                decoded = [_decode_arguments(call.arguments) for call in calls]
                messages.append(
                    assistant_tool_message(
                        turn.content,
                        [
                            (call.id, (call.name, _echoable(call.arguments, arguments)))
                            for call, arguments in zip(calls, decoded, strict=True)
                        ],
                    )
                )
                for position, (call, arguments) in enumerate(zip(calls, decoded, strict=True)):
                    if position < MAX_CALLS_PER_ROUND:
                        result = await self._run(call.name, in_zone(arguments, zone), toolbox)
                    else:
                        result = {"error": TOO_MANY_CALLS_ERROR}
                    messages.append(tool_result_message(call.id, result))
                ran_tools = True
                if toolbox.room() == 0:
                    return TOOL_LIMIT_REPLY.format(limit=toolbox.budget.max_tool_calls)
        logger.warning("the model still asked for tools after %d rounds", MAX_TOOL_ROUNDS)
        return TOO_MANY_ROUNDS_REPLY

    async def _run(self, name: str, arguments: Any, toolbox: Toolbox) -> dict[str, Any]:
        # Arguments that are not a JSON object still go to the toolbox: it
        # answers them with an error result and records the call, so the model
        # and the stored conversation both see what happened.
        return await toolbox.call(name, cast(dict[str, Any], arguments))


def _decode_arguments(raw: str) -> Any:
    """The model's argument JSON, or the raw text when it is not JSON."""
    if not raw.strip():
        return {}  # some models send "" for a call without arguments
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return raw


def _echoable(raw: str, decoded: Any) -> str:
    """The arguments to send back with the model's own call.

    The model's text when it is a JSON object; otherwise "{}", because some
    providers (Gemini) parse the arguments of earlier calls and refuse the
    whole request when they are not an object. The error result next to it
    still tells the model what was wrong.
    """
    return raw if isinstance(decoded, dict) and raw.strip() else "{}"


def _with_ids(calls: list[ToolRequest], round_number: int, seen: set[str]) -> list[ToolRequest]:
    """Give every call an id unique in this request (some servers send none, or repeat them)."""
    named = []
    for index, call in enumerate(calls):
        call_id = call.id
        if not call_id or call_id in seen:
            call_id = f"live{round_number:03d}{index:02d}"  # nine characters, as stored ids
        seen.add(call_id)
        named.append(ToolRequest(id=call_id, name=call.name, arguments=call.arguments))
    return named


def agent_from_settings(
    settings: Settings,
    http_client: httpx.AsyncClient | None = None,
    metrics: Metrics | None = None,
) -> OpenAIAgent:
    """The agent AI_PROVIDER=openai describes (AI_BASE_URL, AI_API_KEY, AI_MODEL, ...)."""
    if not (settings.ai_base_url and settings.ai_model):
        raise SettingsError("AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL.")
    client = ChatClient(
        base_url=settings.ai_base_url,
        model=settings.ai_model,
        api_key=settings.ai_api_key,
        timeout_seconds=settings.ai_timeout_seconds,
        max_retries=settings.ai_max_retries,
        http_client=http_client,
        metrics=metrics,
    )
    return OpenAIAgent(client)


def _now_for(today: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Now in the user's zone; on the `today` the turn was given (tests pin it)."""
    now = dt.datetime.now(zone)
    return now if now.date() == today else dt.datetime.combine(today, now.timetz())


# A date-time the model sent without an offset ("2026-12-02T17:00:00").
_NAIVE_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?")


def in_zone(arguments: Any, zone: dt.tzinfo) -> Any:
    """Tool arguments with a `due_at` that has no offset read in the user's zone."""
    if not isinstance(arguments, dict):
        return arguments
    due_at = arguments.get("due_at")
    if not isinstance(due_at, str) or not _NAIVE_DATE_TIME.fullmatch(due_at):
        return arguments
    try:
        local = dt.datetime.fromisoformat(due_at).replace(tzinfo=zone)
    except ValueError:
        return arguments  # the tool's own validation says what is wrong
    return {**arguments, "due_at": local.isoformat()}
