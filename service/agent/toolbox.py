"""The task tools (and, for a chat, `undo_last_change`), bound by the server to one user.

Every agent reaches the database only through `TaskToolbox.call`: arguments are
decoded with the argument structs of `toolspec` (so they follow the task API's
rules), the task API's own SQL runs with the bound user id, and every call is
recorded as a `ToolCall` for the chat handler to store and return. Nothing an
agent passes can choose the user: the argument structs forbid unknown fields.

A bad argument or a missing task is a result `{"error": "<sentence>"}` the
agent can read and relay; only a failing database raises.

The toolbox also keeps the turn's promises (SPEC 6): it records each call as
soon as it has run (`recorder`, one statement), so nothing done is lost
whatever happens next; it answers calls a failed attempt of this turn already
ran from that record (`replay`) instead of running them again; it refuses
calls past the turn's budget of tool calls; and it stops the turn, between
statements, once the deadline passes or the client leaves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from service.agent import undo
from service.agent.base import HistoryMessage, RecordedCall, ToolCall, TurnBudget
from service.agent.toolspec import (
    TOOLS,
    TOOLS_BY_NAME,
    AddTaskArgs,
    CompleteTaskArgs,
    DeleteTaskArgs,
    ListTasksArgs,
    UndoArgs,
    UpdateTaskArgs,
)
from service.db.queries import Queries
from service.http.errors import validation_error
from service.tasks.contracts import Task, TaskListQuery, TaskUpdate
from service.tasks.rows import apply_update, fetch_task_page

# list_tasks answers with at most this many tasks (oldest first), each with
# only what a model needs; `count` is the number of all matching tasks, so an
# agent can tell the list was cut. What is stored is what is replayed.
LIST_LIMIT = 20
LISTED_DESCRIPTION_CHARS = 80
DEFAULT_MAX_TOOL_CALLS = 20
DEFAULT_TURN_SECONDS = 60.0

Result = dict[str, Any]
# A tool's result, and what reverts it (None: nothing changed).
Outcome = tuple[Result, dict[str, Any] | None]
Recorder = Callable[[RecordedCall], Awaitable[None]]


def listed(task: Task) -> Result:
    """A task as list_tasks gives it: what a model needs, small enough to replay."""
    entry: Result = {
        "id": task.id,
        "title": task.title,
        "completed": task.completed,
        "priority": task.priority,
        "due_at": msgspec.to_builtins(task.due_at),
        "tags": task.tags,
    }
    if task.description:
        entry["description"] = task.description[:LISTED_DESCRIPTION_CHARS]
    return entry


class ToolArgumentError(Exception):
    """Arguments a tool cannot use; the message is the sentence the agent sees."""


class TaskToolbox:
    """The Toolbox protocol of `service.agent.base` for one user and one request."""

    def __init__(
        self,
        pool: Any,
        queries: Queries,
        user_id: str,
        *,
        budget: TurnBudget | None = None,
        recorder: Recorder | None = None,
        replay: Sequence[ToolCall] = (),
        history: Sequence[HistoryMessage] = (),
        undoable: bool = True,
    ) -> None:
        self._pool = pool
        self._queries = queries
        self._user_id = user_id
        self.budget = budget or TurnBudget(
            seconds=DEFAULT_TURN_SECONDS, max_tool_calls=DEFAULT_MAX_TOOL_CALLS
        )
        self._recorder = recorder
        self._replay = [_recorded(call) for call in replay]
        # What `undo_last_change` may revert: the conversation so far.
        self._history = history
        # Whether changes record what reverts them (a chat does; MCP cannot undo).
        self._undoable = undoable
        # The calls as the API returns them, and as the conversation stores them.
        self.calls: list[ToolCall] = []
        self.recorded: list[RecordedCall] = []
        self._tools: dict[str, Callable[[Any], Awaitable[Outcome]]] = {
            "add_task": self._add_task,
            "list_tasks": self._list_tasks,
            "complete_task": self._complete_task,
            "delete_task": self._delete_task,
            "update_task": self._update_task,
            undo.UNDO_TOOL: self._undo_last_change,
        }

    def room(self) -> int:
        """How many more tool calls this turn may make."""
        return max(0, self.budget.max_tool_calls - len(self.calls))

    def take_replay(self) -> list[ToolCall]:
        """The calls a failed attempt of this turn ran, for an agent that shows
        them to its model as done; they count as this turn's calls from now on."""
        taken, self._replay = self._replay, []
        for call in taken:
            self._keep(call)
        return [call.public() for call in taken]

    def _keep(self, call: RecordedCall) -> None:
        self.recorded.append(call)
        self.calls.append(call.public())

    async def call(self, name: str, arguments: dict[str, Any]) -> Result:
        """Run tool `name` with `arguments`; record and return its result."""
        recorded_arguments = json_safe(arguments) if isinstance(arguments, dict) else {}
        if self._replay and (self._replay[0].name, self._replay[0].arguments) == (
            name,
            recorded_arguments,
        ):
            # A failed attempt of this turn ran it already: its recorded result stands.
            done = self._replay.pop(0)
            self._keep(done)
            return done.result
        self._replay.clear()  # the plan went another way: nothing more to skip
        if not self.room():
            return {
                "error": f"Tool call limit reached: at most {self.budget.max_tool_calls} tool "
                "calls per message. Stop calling tools and tell the user what was done."
            }
        self.budget.check()
        tool = self._tools.get(name)
        reverts = None
        if tool is None:
            names = ", ".join(spec.name for spec in TOOLS)
            result: Result = {"error": f"There is no tool named {name!r}; the tools are: {names}."}
        else:
            try:
                result, reverts = await tool(decode_arguments(name, arguments))
            except ToolArgumentError as exc:
                result = {"error": str(exc)}
        call = RecordedCall(
            name=json_safe(str(name)), arguments=recorded_arguments, result=result, undo=reverts
        )
        self._keep(call)
        if self._recorder is not None:
            await self._recorder(call)
        return result

    async def _add_task(self, args: AddTaskArgs) -> Outcome:
        record = await self._queries.create_task(
            self._pool,
            user_id=self._user_id,
            title=args.title,
            description=args.description,
            priority=args.priority,
            due_at=args.due_at,
            tags=args.tags,
        )
        created = {"task_id": record["id"], "status": "created", "title": record["title"]}
        return created, undo.created(record["id"])

    async def _list_tasks(self, args: ListTasksArgs) -> Outcome:
        # The REST API's own query struct checks the filters (NUL, lengths);
        # an empty filter from a model means no filter.
        filters = {name: getattr(args, name) or None for name in args.__struct_fields__}
        query = convert_or_explain(
            "list_tasks", {**filters, "order": "asc", "limit": LIST_LIMIT}, TaskListQuery
        )
        page = await fetch_task_page(self._queries, self._pool, self._user_id, query)
        return {"tasks": [listed(task) for task in page.tasks], "count": page.total}, None

    async def _complete_task(self, args: CompleteTaskArgs) -> Outcome:
        before = await self._before_change(args.task_id)
        record = await self._queries.set_task_completed(
            self._pool, user_id=self._user_id, task_id=args.task_id, completed=args.completed
        )
        if record is None:
            return task_not_found(args.task_id), None
        status = "completed" if record["completed"] else "reopened"
        result = {"task_id": record["id"], "status": status, "title": record["title"]}
        return result, before

    async def _delete_task(self, args: DeleteTaskArgs) -> Outcome:
        record = await self._queries.delete_task(
            self._pool, user_id=self._user_id, task_id=args.task_id
        )
        if record is None:
            return task_not_found(args.task_id), None
        result = {"task_id": record["id"], "status": "deleted", "title": record["title"]}
        return result, undo.previous(record) if self._undoable else None

    async def _undo_last_change(self, args: UndoArgs) -> Outcome:
        changes = undo.last_change(self._history, self.recorded)
        if not changes:
            return {"error": undo.NOTHING_TO_UNDO}, None
        return await undo.revert(changes, self._queries, self._pool, self._user_id), None

    async def _before_change(self, task_id: int) -> dict[str, Any] | None:
        """What reverts a change about to run: the task as it is (one read), when
        this toolbox keeps undo and the task exists."""
        if not self._undoable:
            return None
        row = await self._queries.get_task(self._pool, user_id=self._user_id, task_id=task_id)
        return undo.previous(row) if row is not None else None

    async def _update_task(self, args: UpdateTaskArgs) -> Outcome:
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
        before = await self._before_change(args.task_id)
        record = await apply_update(self._queries, self._pool, self._user_id, args.task_id, update)
        if record is None:
            return task_not_found(args.task_id), None
        result = {"task_id": record["id"], "status": "updated", "title": record["title"]}
        return result, before


def _recorded(call: ToolCall) -> RecordedCall:
    if isinstance(call, RecordedCall):
        return call
    return RecordedCall(name=call.name, arguments=call.arguments, result=call.result)


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
