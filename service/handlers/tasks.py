"""The task API (SPEC 5): one SQL statement per request."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.bodies import read_json, read_query
from service.context import app_context, user_id_of
from service.contracts import Task, TaskCompletion, TaskCreate, TaskListQuery, TaskUpdate
from service.errors import TaskNotFound, ValidationFailed
from service.responses import json_response
from service.task_rows import fetch_task_page, task_from_row

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
    tasks, total = await fetch_task_page(context.queries, context.pool, user_id_of(request), query)
    return json_response(tasks, headers={"X-Total-Count": str(total)})


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
    record = await context.queries.update_task(
        context.pool,
        user_id=user_id_of(request),
        task_id=task_id,
        changes=msgspec.to_builtins(body.changes()),
    )
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


routes = [
    Route("/api/{user_id}/tasks", list_tasks, methods=["GET"]),
    Route("/api/{user_id}/tasks", create_task, methods=["POST"]),
    Route("/api/{user_id}/tasks/{task_id}", get_task, methods=["GET"]),
    Route("/api/{user_id}/tasks/{task_id}", update_task, methods=["PUT", "PATCH"]),
    Route("/api/{user_id}/tasks/{task_id}", delete_task, methods=["DELETE"]),
    Route("/api/{user_id}/tasks/{task_id}/complete", complete_task, methods=["PATCH"]),
]
