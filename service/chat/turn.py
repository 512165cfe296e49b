"""POST /api/{user_id}/chat: one stateless turn of a conversation (SPEC 6).

Each request rebuilds the conversation from the database and keeps nothing
afterwards, so any process can serve any turn:

1. authenticate, authorize (middleware) and validate the body;
2. one statement: find or create the conversation, store the user message,
   load the recent history (`history.start_turn`); a retry of a failed turn
   with the same Idempotency-Key stores nothing and loads what the failed
   attempt did instead (`history.resume_turn`);
3. run the agent on that history, outside any transaction, with a toolbox
   bound to the authenticated user, which records each tool call as soon as
   it has run (one statement each);
4. one statement: write the assistant message with its tool calls and bump
   the conversation's updated_at;
5. answer with the stored assistant message.

One deadline (CHAT_TURN_TIMEOUT_SECONDS) bounds step 3, every model call,
retry, backoff and tool, and a client that disconnects stops the turn too;
either way the turn stops between statements. Whatever stops it, the calls that ran are stored,
in an assistant message with status "failed", and the answer is a 503 naming
the conversation, so the client can retry (with the same Idempotency-Key, the
retry resumes the turn without repeating a call).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from service.agent.base import AgentError, ToolCall, TurnBudget, TurnStopped, zone_of
from service.agent.factory import agent_of
from service.agent.toolbox import Recorder, TaskToolbox
from service.chat.contracts import ChatResponse, chat_request_for, clean_message
from service.chat.history import TurnStart, resume_turn, start_turn
from service.http.bodies import read_json
from service.http.context import AppContext, app_context, user_id_of
from service.http.errors import (
    DATABASE_DOWN_ERRORS,
    AiTimeout,
    AiUnavailable,
    ApiError,
    ConversationNotFound,
    DatabaseUnavailable,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    database_unavailable,
)
from service.http.idempotency import idempotent_request
from service.http.responses import json_response
from service.http.routing import USER_ID, ApiRoute, Operation, Tag
from service.settings import Settings

logger = logging.getLogger("service.chat")


async def chat(request: Request) -> Response:
    """One chat turn; see the module docstring for the cycle."""
    context = app_context(request)
    settings = context.settings
    body = await read_json(request, chat_request_for(settings.chat_max_message_chars))
    assert body is not None
    message = clean_message(body.message, max_chars=settings.chat_max_message_chars)
    user_id = user_id_of(request)
    idempotency = idempotent_request(request.scope)

    if idempotency is not None and idempotency.resume is not None:
        turn = await resume_turn(context, user_id, *idempotency.resume)
    else:
        requested = None if body.conversation_id is None else int(body.conversation_id)
        turn = await start_turn(
            context,
            user_id,
            requested,
            message,
            idempotency_key=None if idempotency is None else idempotency.key,
            timezone=body.timezone,
        )
    budget = TurnBudget(
        seconds=settings.chat_turn_timeout_seconds, max_tool_calls=settings.chat_max_tool_calls
    )
    toolbox = TaskToolbox(
        context.pool,
        context.queries,
        user_id,
        budget=budget,
        recorder=_recorder(context, user_id, turn),
        replay=turn.replay,
        history=turn.history,
    )
    try:
        reply = await _run_agent(request, turn, toolbox, budget)
    except Exception as exc:
        error = _turn_error(exc, turn.conversation_id)
        context.metrics.chat_turn(settings.ai_provider, error.error_code)
        await _store(context, user_id, turn, error.detail, toolbox, status="failed")
        raise error from None

    # PostgreSQL text cannot hold NUL; a provider's reply might.
    content = str(reply).replace("\x00", "")
    context.metrics.chat_turn(settings.ai_provider, "complete")
    stored = await _store(context, user_id, turn, content, toolbox, status="complete")
    if stored is None:
        # Deleted by a concurrent request while the agent was working.
        raise ConversationNotFound("No such conversation.")
    return json_response(
        ChatResponse(
            conversation_id=turn.conversation_id,
            response=content,
            tool_calls=toolbox.calls,
            message_id=stored["id"],
            timestamp=stored["created_at"],
        )
    )


async def _run_agent(
    request: Request, turn: TurnStart, toolbox: TaskToolbox, budget: TurnBudget
) -> str:
    """The agent's reply, stopping the budget if the client disconnects meanwhile."""

    async def watch_for_disconnect() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        budget.stop("disconnect")

    watcher = asyncio.create_task(watch_for_disconnect())
    try:
        # "today" is the user's: the zone their message was written in.
        today = dt.datetime.now(zone_of(turn.history)).date()
        return await agent_of(request).reply(turn.history, toolbox, today=today)
    finally:
        watcher.cancel()


def _turn_error(exc: Exception, conversation_id: int) -> ApiError:
    """The 503 (naming the conversation) for whatever stopped the agent."""
    error: ApiError
    if isinstance(exc, TurnStopped) and exc.reason == "deadline":
        error = AiTimeout("The assistant did not finish in time; please retry.")
    elif isinstance(exc, TurnStopped):
        error = AiUnavailable("The request was cancelled by the client.")
    elif isinstance(exc, AgentError):
        error_type = AiTimeout if exc.error_code == "AI_TIMEOUT" else AiUnavailable
        error = error_type(exc.detail)
    elif isinstance(exc, DATABASE_DOWN_ERRORS):
        # A tool lost the database: that is not the AI's fault.
        logger.warning("database unavailable during a chat turn: %s", type(exc).__name__)
        error = database_unavailable()
    else:
        logger.exception("the agent failed unexpectedly (conversation %s)", conversation_id)
        error = AiUnavailable("The assistant could not answer; please retry.")
    error.conversation_id = conversation_id
    return error


def _recorder(context: AppContext, user_id: str, turn: TurnStart) -> Recorder:
    async def record(call: ToolCall) -> None:
        await context.queries.record_tool_call(
            context.pool,
            user_id=user_id,
            conversation_id=turn.conversation_id,
            reply_to=turn.user_message_id,
            call=call,
        )

    return record


async def _store(
    context: AppContext,
    user_id: str,
    turn: TurnStart,
    content: str,
    toolbox: TaskToolbox,
    *,
    status: str,
) -> Any:
    """Step 4: the turn's assistant message; a failed turn's is written on a
    best-effort basis (its tool calls are already recorded one by one)."""
    try:
        return await context.queries.finish_chat_turn(
            context.pool,
            user_id=user_id,
            conversation_id=turn.conversation_id,
            content=content,
            tool_calls=toolbox.recorded,
            status=status,
            reply_to=turn.user_message_id,
            usage=toolbox.budget.usage,
        )
    except DATABASE_DOWN_ERRORS:
        if status == "failed":
            return None
        error = database_unavailable()
        error.conversation_id = turn.conversation_id
        raise error from None


TAG = Tag("chat", "Talk to the assistant, which manages tasks for the user (SPEC 6).")


def routes_for(settings: Settings) -> list[ApiRoute]:
    """The chat route, whose body states this deployment's message limit."""
    return [
        ApiRoute(
            "/api/{user_id}/chat",
            Operation(
                method="POST",
                handler=chat,
                operation_id="chat",
                summary="Send a message to the assistant",
                description="Starts a conversation when `conversation_id` is absent. The "
                "message is stored before the assistant runs: a 503 AI_UNAVAILABLE or "
                "AI_TIMEOUT names the `conversation_id` to retry in, and a retry with the "
                "same `Idempotency-Key` resumes the turn without repeating what it did.",
                tag=TAG,
                body=chat_request_for(settings.chat_max_message_chars),
                response=ChatResponse,
                idempotent=True,
                rate_limit="chat",
                errors=(
                    ConversationNotFound,
                    IdempotencyKeyInUse,
                    IdempotencyKeyReused,
                    DatabaseUnavailable,
                    AiUnavailable,
                    AiTimeout,
                ),
            ),
            parameters=(USER_ID,),
        )
    ]
