"""The task API (SPEC 5): one SQL statement per request."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from service.http import cursor
from service.http.bodies import read_json, read_query
from service.http.context import app_context, user_id_of
from service.http.errors import (
    DatabaseUnavailable,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    TaskNotFound,
    ValidationFailed,
)
from service.http.responses import json_response
from service.http.routing import USER_ID, ApiRoute, Operation, PathParameter, Tag
from service.tasks.contracts import (
    Task,
    TaskCompletion,
    TaskCreate,
    TaskListQuery,
    TaskUpdate,
    TaskUpdateBody,
)
from service.tasks.rows import apply_update, fetch_task_page, task_from_row

MAX_ID = 2**63 - 1  # BIGINT: a larger id cannot exist, and would overflow the driver


def task_id_of(request: Request, name: str = "task_id") -> int:
    """The numeric id in the path; not a number is 400, out of range is 404."""
    raw: str = request.path_params[name]
    if not raw.isascii() or not raw.isdigit():
        raise ValidationFailed(f"{name} must be a positive integer.", field=name)
    value = int(raw)
    if not 0 < value <= MAX_ID:
        raise TaskNotFound("No such task.")
    return value


def task_of(record: Any) -> Task:
    if record is None:
        raise TaskNotFound("No such task.")
    return task_from_row(record)


async def list_tasks(request: Request) -> Response:
    query = read_query(request, TaskListQuery)
    context = app_context(request)
    user_id = user_id_of(request)
    secret = context.settings.session_secret
    shape = list_shape(query)
    after = None
    if query.cursor is not None:
        after = cursor.decode_cursor(secret, user_id, shape, query.cursor)
    page = await fetch_task_page(context.queries, context.pool, user_id, query, after=after)
    headers = {"X-Total-Count": str(page.total)}
    if page.next is not None:
        headers["Link"] = cursor.next_link(request, secret, user_id, shape, page.next)
    return json_response(page.tasks, headers=headers)


def list_shape(query: TaskListQuery) -> tuple[Any, ...]:
    """What a cursor belongs to: the same sort, order and filters."""
    return (
        query.sort,
        query.order,
        query.status,
        query.q,
        query.priority,
        query.tag,
        None if query.due_before is None else query.due_before.isoformat(),
        None if query.due_after is None else query.due_after.isoformat(),
    )


async def create_task(request: Request) -> Response:
    body = await read_json(request, TaskCreate)
    assert body is not None
    context = app_context(request)
    user_id = user_id_of(request)
    task = task_of(
        await context.queries.create_task(
            context.pool,
            user_id=user_id,
            title=body.title,
            description=body.description,
            priority=body.priority,
            due_at=body.due_at,
            tags=body.tags,
        )
    )
    location = f"/api/{quote(user_id, safe='')}/tasks/{task.id}"
    return json_response(task, status=201, headers={"Location": location})


async def get_task(request: Request) -> Response:
    context = app_context(request)
    record = await context.queries.get_task(
        context.pool, user_id=user_id_of(request), task_id=task_id_of(request)
    )
    return json_response(task_of(record))


async def update_task(request: Request) -> Response:
    task_id = task_id_of(request)
    body = await read_json(request, TaskUpdate)
    assert body is not None
    context = app_context(request)
    record = await apply_update(context.queries, context.pool, user_id_of(request), task_id, body)
    return json_response(task_of(record))


async def complete_task(request: Request) -> Response:
    task_id = task_id_of(request)
    body = await read_json(request, TaskCompletion, allow_empty=True)
    completed = body.completed if body is not None else msgspec.UNSET
    context = app_context(request)
    record = await context.queries.set_task_completed(
        context.pool,
        user_id=user_id_of(request),
        task_id=task_id,
        completed=None if completed is msgspec.UNSET else completed,
    )
    return json_response(task_of(record))


async def delete_task(request: Request) -> Response:
    context = app_context(request)
    deleted = await context.queries.delete_task(
        context.pool, user_id=user_id_of(request), task_id=task_id_of(request)
    )
    if deleted is None:
        raise TaskNotFound("No such task.")
    return Response(status_code=204)


TAG = Tag("tasks", "Each user's todo list (SPEC 5).")
TASK_ID = PathParameter(
    name="task_id",
    description="The task's id (ids of other users' tasks are 404 like missing ones).",
    schema={"type": "integer", "format": "int64", "minimum": 1},
)
# A `task_id` that is not a number is a 400 VALIDATION_ERROR (see task_id_of).
ONE_TASK_ERRORS = (ValidationFailed, TaskNotFound, DatabaseUnavailable)
UPDATE_DESCRIPTION = "Changes the fields sent (at least one); null clears description and due_at."

routes = [
    ApiRoute(
        "/api/{user_id}/tasks",
        Operation(
            method="GET",
            handler=list_tasks,
            operation_id="listTasks",
            summary="List tasks",
            description="Filtered, sorted and paged; `X-Total-Count` is the number of matching "
            'tasks before paging. When there are more, `Link: <...>; rel="next"` is the next '
            "page's URL (with its `cursor`); following it costs what the first page costs.",
            tag=TAG,
            query=TaskListQuery,
            response=list[Task],
            headers=("X-Total-Count", "Link"),
            errors=(DatabaseUnavailable,),
        ),
        Operation(
            method="POST",
            handler=create_task,
            operation_id="createTask",
            summary="Create a task",
            tag=TAG,
            body=TaskCreate,
            response=Task,
            status=201,
            headers=("Location",),
            idempotent=True,
            errors=(IdempotencyKeyInUse, IdempotencyKeyReused, DatabaseUnavailable),
        ),
        parameters=(USER_ID,),
    ),
    ApiRoute(
        "/api/{user_id}/tasks/{task_id}",
        Operation(
            method="GET",
            handler=get_task,
            operation_id="getTask",
            summary="Get one task",
            tag=TAG,
            response=Task,
            errors=ONE_TASK_ERRORS,
        ),
        Operation(
            method="PUT",
            handler=update_task,
            operation_id="putTask",
            summary="Update a task",
            description=f"Same as PATCH: {UPDATE_DESCRIPTION}",
            tag=TAG,
            body=TaskUpdateBody,
            response=Task,
            errors=ONE_TASK_ERRORS,
        ),
        Operation(
            method="PATCH",
            handler=update_task,
            operation_id="updateTask",
            summary="Update a task",
            description=UPDATE_DESCRIPTION,
            tag=TAG,
            body=TaskUpdateBody,
            response=Task,
            errors=ONE_TASK_ERRORS,
        ),
        Operation(
            method="DELETE",
            handler=delete_task,
            operation_id="deleteTask",
            summary="Delete a task",
            tag=TAG,
            status=204,
            errors=ONE_TASK_ERRORS,
        ),
        parameters=(USER_ID, TASK_ID),
    ),
    ApiRoute(
        "/api/{user_id}/tasks/{task_id}/complete",
        Operation(
            method="PATCH",
            handler=complete_task,
            operation_id="completeTask",
            summary="Complete, reopen or toggle a task",
            description='No body toggles; `{"completed": true|false}` sets.',
            tag=TAG,
            body=TaskCompletion,
            body_required=False,
            response=Task,
            errors=ONE_TASK_ERRORS,
        ),
        parameters=(USER_ID, TASK_ID),
    ),
]
