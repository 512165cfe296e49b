"""POST /api/{user_id}/chat: one stateless turn of a conversation (SPEC 6).

Each request rebuilds the conversation from the database and keeps nothing
afterwards, so any process can serve any turn:

1. authenticate, authorize (middleware) and validate the body;
2. one statement (its own transaction): find or create the conversation,
   store the user message, load the recent history;
3. run the agent on that history, outside any transaction, with a toolbox
   bound to the authenticated user;
4. one statement: store the assistant message with its tool calls and bump
   the conversation's updated_at;
5. answer with the stored assistant message.

Two round trips plus what the tools need. When the agent fails, the user
message stays stored and the 503 names the conversation, so the client can
retry in it; tool calls that already ran before the failure keep their
effects (each is its own statement), but no assistant message is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from service.agent.base import AgentError, HistoryMessage
from service.agent.factory import agent_of
from service.agent.toolbox import TaskToolbox
from service.chat.contracts import ChatResponse, chat_request_for, clean_message, tool_calls_of
from service.http.bodies import read_json
from service.http.context import AppContext, app_context, user_id_of
from service.http.errors import (
    DATABASE_DOWN_ERRORS,
    AiTimeout,
    AiUnavailable,
    ApiError,
    ConversationNotFound,
    DatabaseUnavailable,
    database_unavailable,
)
from service.http.responses import json_response
from service.http.routing import USER_ID, ApiRoute, Operation, Tag
from service.settings import Settings

logger = logging.getLogger("service.chat")

_AGENT_ERRORS: dict[str, type[ApiError]] = {"AI_TIMEOUT": AiTimeout}


async def chat(request: Request) -> Response:
    """One chat turn; see the module docstring for the cycle."""
    context = app_context(request)
    body = await read_json(request, chat_request_for(context.settings.chat_max_message_chars))
    assert body is not None
    message = clean_message(body.message, max_chars=context.settings.chat_max_message_chars)
    user_id = user_id_of(request)

    requested = None if body.conversation_id is None else int(body.conversation_id)
    conversation_id, history = await start_turn(context, user_id, requested, message)
    toolbox = TaskToolbox(context.pool, context.queries, user_id)
    try:
        today = dt.datetime.now(dt.UTC).date()
        reply = await agent_of(request).reply(history, toolbox, today=today)
    except AgentError as exc:
        error_type = _AGENT_ERRORS.get(exc.error_code, AiUnavailable)
        raise error_type(exc.detail, conversation_id=conversation_id) from None
    except DATABASE_DOWN_ERRORS as exc:
        # A tool lost the database: that is not the AI's fault.
        logger.warning("database unavailable during a chat turn: %s", type(exc).__name__)
        error = database_unavailable()
        error.conversation_id = conversation_id
        raise error from None
    except Exception:
        logger.exception("the agent failed unexpectedly (conversation %s)", conversation_id)
        raise AiUnavailable(
            "The assistant could not answer; please retry.", conversation_id=conversation_id
        ) from None

    # PostgreSQL text cannot hold NUL; a provider's reply might.
    content = str(reply).replace("\x00", "")
    stored = await context.queries.finish_chat_turn(
        context.pool,
        user_id=user_id,
        conversation_id=conversation_id,
        content=content,
        tool_calls=toolbox.calls,
    )
    if stored is None:
        # Deleted by a concurrent request while the agent was working.
        raise ConversationNotFound("No such conversation.")
    return json_response(
        ChatResponse(
            conversation_id=conversation_id,
            response=content,
            tool_calls=toolbox.calls,
            message_id=stored["id"],
            timestamp=stored["created_at"],
        )
    )


async def start_turn(
    context: AppContext, user_id: str, conversation_id: int | None, message: str
) -> tuple[int, list[HistoryMessage]]:
    """Step 2: the conversation's id and its history ending with `message`."""
    rows: list[Any] = await context.queries.start_chat_turn(
        context.pool,
        user_id=user_id,
        conversation_id=conversation_id,
        content=message,
        history_limit=context.settings.chat_history_limit,
    )
    if not rows:
        raise ConversationNotFound("No such conversation.")
    history = [
        HistoryMessage(
            role=row["role"], content=row["content"], tool_calls=tool_calls_of(row["tool_calls"])
        )
        for row in rows
    ]
    return rows[0]["conversation_id"], history


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
                "AI_TIMEOUT names the `conversation_id` to retry in.",
                tag=TAG,
                body=chat_request_for(settings.chat_max_message_chars),
                response=ChatResponse,
                errors=(ConversationNotFound, DatabaseUnavailable, AiUnavailable, AiTimeout),
            ),
            parameters=(USER_ID,),
        )
    ]
