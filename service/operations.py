"""What the HTTP API offers, one row per method and path: the source of /openapi.json.

Adding a route? Add its `Operation` here too, and any new path parameter or
response header to PATH_PARAMETERS / RESPONSE_HEADERS: tests/unit/test_openapi.py
fails until every route of `create_app` is described. A row names only what is
particular to it; `service.openapi` derives the rest from the row's shape:

- an `/api/` path needs a credential (401 AUTH_*), and its `{user_id}` must be
  the caller's (403 FORBIDDEN);
- a `body` can be malformed (400), too large (413) or not JSON (415);
- a `query` can hold unknown or invalid values (400);
- anything can fail unexpectedly (500 INTERNAL_ERROR).

So `errors` lists the outcomes the handler itself decides: its 404s, and 503
when it uses the database or the AI provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.chat_contracts import (
    ChatRequest,
    ChatResponse,
    Conversation,
    ConversationListQuery,
    Message,
    MessageListQuery,
)
from service.contracts import (
    Health,
    Task,
    TaskCompletion,
    TaskCreate,
    TaskListQuery,
    TaskUpdate,
)
from service.errors import (
    AiTimeout,
    AiUnavailable,
    ApiError,
    ConversationNotFound,
    DatabaseUnavailable,
    TaskNotFound,
    ValidationFailed,
)


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One method on one path, described by the structs its handler uses."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    description: str | None = None
    # Any type msgspec can describe (a Struct, `list[Struct]`); None: no body.
    response: Any = None
    status: int = 200
    # Names of response headers described in RESPONSE_HEADERS (X-Request-ID is implied).
    headers: tuple[str, ...] = ()
    body: Any = None
    body_required: bool = True
    # A Struct whose fields are the query parameters.
    query: Any = None
    errors: tuple[type[ApiError], ...] = ()


PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "user_id": {
        "description": "The signed-in user's id; any other user's id is 403 FORBIDDEN.",
        "schema": {"type": "string", "minLength": 1},
    },
    "task_id": {
        "description": "The task's id (ids of other users' tasks are 404 like missing ones).",
        "schema": {"type": "integer", "format": "int64", "minimum": 1},
    },
    "conversation_id": {
        "description": "The conversation's id (other users' conversations are 404).",
        "schema": {"type": "integer", "format": "int64", "minimum": 1},
    },
}

RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The client's X-Request-ID when it is sane (1..128 characters of "
        "A-Z a-z 0-9 . _ : -), else a new id; quote it when reporting a problem.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The path of the created resource.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "How many items match the filters, before limit and offset.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying (sent with DATABASE_UNAVAILABLE).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": "How to authenticate: `Bearer`.",
        "schema": {"type": "string"},
    },
}

TAGS = {
    "tasks": "Each user's todo list (SPEC 5).",
    "chat": "Talk to the assistant, which manages tasks for the user (SPEC 6).",
    "conversations": "Stored chat conversations and their messages (SPEC 6).",
    "operations": "Probes for load balancers and orchestrators; no credential (SPEC 7).",
}

TASK = "/api/{user_id}/tasks/{task_id}"
# A `task_id` that is not a number is a 400 VALIDATION_ERROR (see handlers.tasks).
ONE_TASK_ERRORS = (ValidationFailed, TaskNotFound, DatabaseUnavailable)

TASK_OPERATIONS = (
    Operation(
        method="GET",
        path="/api/{user_id}/tasks",
        operation_id="listTasks",
        summary="List tasks",
        description="Filtered, sorted and paged; `X-Total-Count` is the number of matching "
        "tasks before paging.",
        tag="tasks",
        query=TaskListQuery,
        response=list[Task],
        headers=("X-Total-Count",),
        errors=(DatabaseUnavailable,),
    ),
    Operation(
        method="POST",
        path="/api/{user_id}/tasks",
        operation_id="createTask",
        summary="Create a task",
        tag="tasks",
        body=TaskCreate,
        response=Task,
        status=201,
        headers=("Location",),
        errors=(DatabaseUnavailable,),
    ),
    Operation(
        method="GET",
        path=TASK,
        operation_id="getTask",
        summary="Get one task",
        tag="tasks",
        response=Task,
        errors=ONE_TASK_ERRORS,
    ),
    Operation(
        method="PUT",
        path=TASK,
        operation_id="putTask",
        summary="Update a task",
        description="Same as PATCH: changes the fields sent (at least one); null clears "
        "description and due_at.",
        tag="tasks",
        body=TaskUpdate,
        response=Task,
        errors=ONE_TASK_ERRORS,
    ),
    Operation(
        method="PATCH",
        path=TASK,
        operation_id="updateTask",
        summary="Update a task",
        description="Changes the fields sent (at least one); null clears description and due_at.",
        tag="tasks",
        body=TaskUpdate,
        response=Task,
        errors=ONE_TASK_ERRORS,
    ),
    Operation(
        method="PATCH",
        path=f"{TASK}/complete",
        operation_id="completeTask",
        summary="Complete, reopen or toggle a task",
        description='No body toggles; `{"completed": true|false}` sets.',
        tag="tasks",
        body=TaskCompletion,
        body_required=False,
        response=Task,
        errors=ONE_TASK_ERRORS,
    ),
    Operation(
        method="DELETE",
        path=TASK,
        operation_id="deleteTask",
        summary="Delete a task",
        tag="tasks",
        status=204,
        errors=ONE_TASK_ERRORS,
    ),
)

CONVERSATION = "/api/{user_id}/conversations/{conversation_id}"
# A `conversation_id` that is not a number is a 400 VALIDATION_ERROR.
ONE_CONVERSATION_ERRORS = (ValidationFailed, ConversationNotFound, DatabaseUnavailable)

CHAT_OPERATIONS = (
    Operation(
        method="POST",
        path="/api/{user_id}/chat",
        operation_id="chat",
        summary="Send a message to the assistant",
        description="Starts a conversation when `conversation_id` is absent. The message is "
        "stored before the assistant runs: a 503 AI_UNAVAILABLE or AI_TIMEOUT names the "
        "`conversation_id` to retry in.",
        tag="chat",
        body=ChatRequest,
        response=ChatResponse,
        errors=(ConversationNotFound, DatabaseUnavailable, AiUnavailable, AiTimeout),
    ),
    Operation(
        method="GET",
        path="/api/{user_id}/conversations",
        operation_id="listConversations",
        summary="List conversations",
        description="Most recently updated first.",
        tag="conversations",
        query=ConversationListQuery,
        response=list[Conversation],
        headers=("X-Total-Count",),
        errors=(DatabaseUnavailable,),
    ),
    Operation(
        method="GET",
        path=CONVERSATION,
        operation_id="getConversation",
        summary="Get one conversation",
        tag="conversations",
        response=Conversation,
        errors=ONE_CONVERSATION_ERRORS,
    ),
    Operation(
        method="GET",
        path=f"{CONVERSATION}/messages",
        operation_id="listMessages",
        summary="List a conversation's messages",
        description="In chronological order: the `limit` most recent messages older than "
        "`before` (all of them when `before` is absent).",
        tag="conversations",
        query=MessageListQuery,
        response=list[Message],
        errors=ONE_CONVERSATION_ERRORS,
    ),
    Operation(
        method="DELETE",
        path=CONVERSATION,
        operation_id="deleteConversation",
        summary="Delete a conversation and its messages",
        tag="conversations",
        status=204,
        errors=ONE_CONVERSATION_ERRORS,
    ),
)

HEALTH_OPERATIONS = (
    Operation(
        method="GET",
        path="/healthz",
        operation_id="healthz",
        summary="Liveness: the process is up",
        description="Never touches the database.",
        tag="operations",
        response=Health,
    ),
    Operation(
        method="GET",
        path="/readyz",
        operation_id="readyz",
        summary="Readiness: the database answers",
        tag="operations",
        response=Health,
        errors=(DatabaseUnavailable,),
    ),
)

OPERATIONS: tuple[Operation, ...] = (*TASK_OPERATIONS, *CHAT_OPERATIONS, *HEALTH_OPERATIONS)
