"""`undo_last_change`: revert the last change made in this conversation (SPEC 6).

What a change needs to be reverted is recorded with it, in the stored tool
call (`RecordedCall.undo`): the task's every field before a change or a
delete, the new task's id after an add. So any replica can undo from the
stored conversation alone, and nothing is kept in memory.

"The last change" is the set of tasks one turn changed: undoing "complete 3
and 4" reopens both. Undo again and the change before that is reverted: each
undo that worked cancels one earlier change, newest first, so undo never
undoes itself. Only the history the agent was given counts (the last
CHAT_HISTORY_LIMIT messages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec

from service.agent.base import HistoryMessage, RecordedCall, ToolCall
from service.db.queries import Queries

UNDO_TOOL = "undo_last_change"
CHANGING_TOOLS = frozenset({"add_task", "complete_task", "delete_task", "update_task"})
NOTHING_TO_UNDO = "There is no change in this conversation to undo."

Result = dict[str, Any]


def created(task_id: int) -> dict[str, Any]:
    """What reverts an add: deleting the task it created."""
    return {"created": task_id}


def previous(row: Any) -> dict[str, Any]:
    """What reverts a change or a delete: every field of the task before it."""
    return {
        "previous": {
            "id": row["id"],
            "title": row["title"],
            "description": row["description"],
            "completed": row["completed"],
            "priority": row["priority"],
            "due_at": _iso(row["due_at"]),
            "tags": list(row["tags"]),
            "created_at": _iso(row["created_at"]),
            "completed_at": _iso(row["completed_at"]),
        }
    }


def last_change(
    history: Sequence[HistoryMessage], this_turn: Sequence[ToolCall]
) -> list[RecordedCall]:
    """The calls of the newest turn whose change no later undo has reverted."""
    turns = [message.tool_calls for message in history if message.role == "assistant"]
    undone = 0
    for calls in reversed([*turns, list(this_turn)]):
        undos = sum(1 for call in calls if call.name == UNDO_TOOL and "error" not in call.result)
        changes = [
            call
            for call in calls
            if isinstance(call, RecordedCall) and call.undo and call.name in CHANGING_TOOLS
        ]
        undone += undos
        if changes and not undos:
            if undone == 0:
                return changes
            undone -= 1
    return []


async def revert(
    changes: Sequence[RecordedCall], queries: Queries, pool: Any, user_id: str
) -> Result:
    """Revert `changes`, newest first; the result names every task it touched."""
    reverted = []
    for call in reversed(changes):
        undo = call.undo or {}
        if "created" in undo:
            row = await queries.delete_task(pool, user_id=user_id, task_id=undo["created"])
            if row is not None:
                reverted.append({"task_id": row["id"], "status": "removed", "title": row["title"]})
            continue
        before = undo["previous"]
        row = await queries.restore_task(
            pool,
            user_id=user_id,
            task_id=before["id"],
            title=before["title"],
            description=before["description"],
            completed=before["completed"],
            priority=before["priority"],
            due_at=_time(before["due_at"]),
            tags=before["tags"],
            created_at=_time(before["created_at"]),
            completed_at=_time(before["completed_at"]),
        )
        if row is not None:
            status = "restored" if call.name == "delete_task" else "reverted"
            reverted.append({"task_id": row["id"], "status": status, "title": row["title"]})
    if not reverted:
        return {"error": "The tasks of the last change no longer exist; nothing was undone."}
    return {"status": "undone", "tasks": reverted}


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else str(msgspec.to_builtins(value))


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)
