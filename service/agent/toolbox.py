"""The five task tools, bound by the server to one authenticated user.

Every agent reaches the database only through `TaskToolbox.call`: arguments are
decoded with the argument structs of `toolspec` (so they follow the task API's
rules), the task API's own SQL runs with the bound user id, and every call is
recorded as a `ToolCall` for the chat handler to store and return. Nothing an
agent passes can choose the user: the argument structs forbid unknown fields.

A bad argument or a missing task is a result `{"error": "<sentence>"}` the
agent can read and relay; only a failing database raises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from service.agent.base import ToolCall
from service.agent.toolspec import (
    TOOLS,
    TOOLS_BY_NAME,
    AddTaskArgs,
    CompleteTaskArgs,
    DeleteTaskArgs,
    ListTasksArgs,
    UpdateTaskArgs,
)
from service.db.queries import Queries
from service.http.errors import validation_error
from service.tasks.contracts import TaskListQuery, TaskUpdate
from service.tasks.rows import apply_update, fetch_task_page

# list_tasks answers with at most this many tasks (oldest first); `count` is
# the number of all matching tasks, so an agent can tell the list was cut.
LIST_LIMIT = 100

Result = dict[str, Any]


class ToolArgumentError(Exception):
    """Arguments a tool cannot use; the message is the sentence the agent sees."""


class TaskToolbox:
    """The Toolbox protocol of `service.agent.base` for one user and one request."""

    def __init__(self, pool: Any, queries: Queries, user_id: str) -> None:
        self._pool = pool
        self._queries = queries
        self._user_id = user_id
        self.calls: list[ToolCall] = []
        self._tools: dict[str, Callable[[Any], Awaitable[Result]]] = {
            "add_task": self._add_task,
            "list_tasks": self._list_tasks,
            "complete_task": self._complete_task,
            "delete_task": self._delete_task,
            "update_task": self._update_task,
        }

    async def call(self, name: str, arguments: dict[str, Any]) -> Result:
        """Run tool `name` with `arguments`; record and return its result."""
        tool = self._tools.get(name)
        if tool is None:
            names = ", ".join(spec.name for spec in TOOLS)
            result: Result = {"error": f"There is no tool named {name!r}; the tools are: {names}."}
        else:
            try:
                result = await tool(decode_arguments(name, arguments))
            except ToolArgumentError as exc:
                result = {"error": str(exc)}
        recorded = json_safe(arguments) if isinstance(arguments, dict) else {}
        self.calls.append(ToolCall(name=json_safe(str(name)), arguments=recorded, result=result))
        return result

    async def _add_task(self, args: AddTaskArgs) -> Result:
        record = await self._queries.create_task(
            self._pool,
            user_id=self._user_id,
            title=args.title,
            description=args.description,
            priority=args.priority,
            due_at=args.due_at,
            tags=args.tags,
        )
        return {"task_id": record["id"], "status": "created", "title": record["title"]}

    async def _list_tasks(self, args: ListTasksArgs) -> Result:
        # The REST API's own query struct checks the filters (NUL, lengths);
        # an empty filter from a model means no filter.
        filters = {name: getattr(args, name) or None for name in args.__struct_fields__}
        query = convert_or_explain(
            "list_tasks", {**filters, "order": "asc", "limit": LIST_LIMIT}, TaskListQuery
        )
        tasks, total = await fetch_task_page(self._queries, self._pool, self._user_id, query)
        return {"tasks": msgspec.to_builtins(tasks), "count": total}

    async def _complete_task(self, args: CompleteTaskArgs) -> Result:
        record = await self._queries.set_task_completed(
            self._pool, user_id=self._user_id, task_id=args.task_id, completed=args.completed
        )
        if record is None:
            return task_not_found(args.task_id)
        status = "completed" if record["completed"] else "reopened"
        return {"task_id": record["id"], "status": status, "title": record["title"]}

    async def _delete_task(self, args: DeleteTaskArgs) -> Result:
        record = await self._queries.delete_task(
            self._pool, user_id=self._user_id, task_id=args.task_id
        )
        if record is None:
            return task_not_found(args.task_id)
        return {"task_id": record["id"], "status": "deleted", "title": record["title"]}

    async def _update_task(self, args: UpdateTaskArgs) -> Result:
        changes = {
            name: getattr(args, name)
            for name in args.__struct_fields__
            if name != "task_id" and getattr(args, name) is not msgspec.UNSET
        }
        if not changes:
            raise ToolArgumentError(
                "Invalid arguments for update_task: give at least one of "
                "title, description, priority, due_at, tags."
            )
        # TaskUpdate trims the title and checks lengths, NULs and tags exactly
        # as PUT /tasks does; UpdateTaskArgs only checks the types.
        update = convert_or_explain("update_task", changes, TaskUpdate)
        record = await apply_update(self._queries, self._pool, self._user_id, args.task_id, update)
        if record is None:
            return task_not_found(args.task_id)
        return {"task_id": record["id"], "status": "updated", "title": record["title"]}


def task_not_found(task_id: int) -> Result:
    return {"error": f"Task #{task_id} was not found."}


def decode_arguments(name: str, arguments: Any) -> Any:
    """The argument struct of tool `name` (a known tool) decoded from `arguments`."""
    spec = TOOLS_BY_NAME[name]
    if not isinstance(arguments, dict):
        raise ToolArgumentError(f"Invalid arguments for {name}: expected a JSON object.")
    return convert_or_explain(name, arguments, spec.arguments)


def convert_or_explain(name: str, value: Any, type_: type[Any]) -> Any:
    """msgspec.convert, with failures as a sentence naming the tool and field.

    Not strict: a model that sends "3" for a task id or "true" for a flag
    means the obvious thing.
    """
    try:
        return msgspec.convert(value, type_, strict=False)
    except msgspec.ValidationError as exc:
        error = validation_error(exc)
        where = f" (at {error.field})" if error.field else ""
        raise ToolArgumentError(
            f"Invalid arguments for {name}: {error.detail.rstrip('.')}{where}."
        ) from None


def json_safe(value: Any) -> Any:
    """`value` as plain JSON data PostgreSQL's JSONB accepts (it refuses NUL)."""
    try:
        plain = msgspec.to_builtins(value)
    except TypeError:
        return repr(value).replace("\x00", "")
    return _without_nul(plain)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value
