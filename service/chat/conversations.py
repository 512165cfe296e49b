"""The conversation API (SPEC 6): list, read, page messages, delete.

One statement per request. A conversation of another user is answered exactly
like one that does not exist: 404 CONVERSATION_NOT_FOUND.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from service.agent.base import Usage
from service.chat.contracts import (
    MAX_ID,
    Conversation,
    ConversationListQuery,
    Message,
    MessageListQuery,
    tool_calls_of,
)
from service.http import cursor
from service.http.bodies import read_query
from service.http.context import app_context, user_id_of
from service.http.errors import ConversationNotFound, DatabaseUnavailable, ValidationFailed
from service.http.responses import json_response
from service.http.routing import USER_ID, ApiRoute, Operation, PathParameter, Tag


def conversation_id_of(request: Request) -> int:
    """The numeric id in the path; not a number is 400, out of range is 404."""
    raw: str = request.path_params["conversation_id"]
    if not raw.isascii() or not raw.isdigit():
        raise ValidationFailed(
            "conversation_id must be a positive integer.", field="conversation_id"
        )
    value = int(raw)
    if not 0 < value <= MAX_ID:
        raise ConversationNotFound("No such conversation.")
    return value


async def list_conversations(request: Request) -> Response:
    query = read_query(request, ConversationListQuery)
    context = app_context(request)
    user_id = user_id_of(request)
    secret = context.settings.session_secret
    shape = ("conversations",)
    if query.cursor is None:
        records = await context.queries.list_conversations(
            context.pool, user_id=user_id, limit=query.limit, offset=query.offset
        )
    else:
        after = cursor.decode_cursor(secret, user_id, shape, query.cursor)
        records = await context.queries.list_conversations_after(
            context.pool,
            user_id=user_id,
            limit=query.limit,
            after_updated_at=after.key,
            after_id=after.row_id,
        )
    found = [r for r in records if r["id"] is not None]
    page = found[: query.limit]
    conversations = [
        Conversation(
            id=r["id"], title=r["title"], created_at=r["created_at"], updated_at=r["updated_at"]
        )
        for r in page
    ]
    headers = {"X-Total-Count": str(records[0]["total"])}
    if len(found) > query.limit:
        last = cursor.Position(page[-1]["updated_at"], page[-1]["id"])
        headers["Link"] = cursor.next_link(request, secret, user_id, shape, last)
    return json_response(conversations, headers=headers)


async def get_conversation(request: Request) -> Response:
    context = app_context(request)
    record = await context.queries.get_conversation(
        context.pool, user_id=user_id_of(request), conversation_id=conversation_id_of(request)
    )
    if record is None:
        raise ConversationNotFound("No such conversation.")
    return json_response(Conversation(**record))


async def list_messages(request: Request) -> Response:
    conversation_id = conversation_id_of(request)
    query = read_query(request, MessageListQuery)
    context = app_context(request)
    records = await context.queries.list_messages(
        context.pool,
        user_id=user_id_of(request),
        conversation_id=conversation_id,
        before=query.before,
        limit=query.limit,
    )
    if not records:
        raise ConversationNotFound("No such conversation.")
    messages = [
        Message(
            id=r["id"],
            role=r["role"],
            content=r["content"],
            tool_calls=tool_calls_of(r["tool_calls"]),
            status=r["status"],
            usage=None if r["usage"] is None else msgspec.convert(r["usage"], Usage),
            created_at=r["created_at"],
        )
        for r in records
        if r["id"] is not None
    ]
    return json_response(messages)


async def delete_conversation(request: Request) -> Response:
    context = app_context(request)
    deleted = await context.queries.delete_conversation(
        context.pool, user_id=user_id_of(request), conversation_id=conversation_id_of(request)
    )
    if deleted is None:
        raise ConversationNotFound("No such conversation.")
    return Response(status_code=204)


TAG = Tag("conversations", "Stored chat conversations and their messages (SPEC 6).")
CONVERSATION_ID = PathParameter(
    name="conversation_id",
    description="The conversation's id (other users' conversations are 404).",
    schema={"type": "integer", "format": "int64", "minimum": 1},
)
# A `conversation_id` that is not a number is a 400 VALIDATION_ERROR.
ONE_CONVERSATION_ERRORS = (ValidationFailed, ConversationNotFound, DatabaseUnavailable)

routes = [
    ApiRoute(
        "/api/{user_id}/conversations",
        Operation(
            method="GET",
            handler=list_conversations,
            operation_id="listConversations",
            summary="List conversations",
            description="Most recently updated first.",
            tag=TAG,
            query=ConversationListQuery,
            response=list[Conversation],
            headers=("X-Total-Count", "Link"),
            errors=(DatabaseUnavailable,),
        ),
        parameters=(USER_ID,),
    ),
    ApiRoute(
        "/api/{user_id}/conversations/{conversation_id}",
        Operation(
            method="GET",
            handler=get_conversation,
            operation_id="getConversation",
            summary="Get one conversation",
            tag=TAG,
            response=Conversation,
            errors=ONE_CONVERSATION_ERRORS,
        ),
        Operation(
            method="DELETE",
            handler=delete_conversation,
            operation_id="deleteConversation",
            summary="Delete a conversation and its messages",
            tag=TAG,
            status=204,
            errors=ONE_CONVERSATION_ERRORS,
        ),
        parameters=(USER_ID, CONVERSATION_ID),
    ),
    ApiRoute(
        "/api/{user_id}/conversations/{conversation_id}/messages",
        Operation(
            method="GET",
            handler=list_messages,
            operation_id="listMessages",
            summary="List a conversation's messages",
            description="In chronological order: the `limit` most recent messages older than "
            "`before` (all of them when `before` is absent).",
            tag=TAG,
            query=MessageListQuery,
            response=list[Message],
            errors=ONE_CONVERSATION_ERRORS,
        ),
        parameters=(USER_ID, CONVERSATION_ID),
    ),
]
