"""An in-memory stand-in for the task toolbox, for agent tests without a database.

It follows the tool contract of SPEC 6 (results, `{"error": ...}` for a missing
task, list_tasks filters) and records every call like the real toolbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.agent.base import ToolCall


class FakeToolbox:
    def __init__(self) -> None:
        self.tasks: dict[int, dict[str, Any]] = {}
        self.calls: list[ToolCall] = []
        self._next_id = 1

    def add(self, title: str, **fields: Any) -> dict[str, Any]:
        """Store a task directly, as if made earlier; returns it."""
        task: dict[str, Any] = {
            "id": self._next_id, "title": title, "description": None, "completed": False,
            "priority": "none", "due_at": None, "tags": [],
        } | fields  # fmt: skip
        self.tasks[self._next_id] = task
        self._next_id += 1
        return task

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = self._run(name, dict(arguments))
        self.calls.append(ToolCall(name=name, arguments=arguments, result=result))
        return result

    def changing_calls(self) -> list[ToolCall]:
        return [call for call in self.calls if call.name != "list_tasks"]

    def _run(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if name == "add_task":
            task = self.add(arguments.pop("title"), **arguments)
            return {"task_id": task["id"], "status": "created", "title": task["title"]}
        if name == "list_tasks":
            tasks = [task for task in self.tasks.values() if _matches(task, arguments)]
            return {"tasks": tasks, "count": len(tasks)}
        found = self.tasks.get(arguments.pop("task_id"))
        if found is None:
            return {"error": "Task was not found."}
        task = found
        if name == "complete_task":
            task["completed"] = arguments.get("completed", True)
            status = "completed" if task["completed"] else "reopened"
            return {"task_id": task["id"], "status": status, "title": task["title"]}
        if name == "delete_task":
            del self.tasks[task["id"]]
            return {"task_id": task["id"], "status": "deleted", "title": task["title"]}
        task.update(arguments)
        return {"task_id": task["id"], "status": "updated", "title": task["title"]}


def _matches(task: dict[str, Any], filters: dict[str, Any]) -> bool:
    status = filters.get("status", "all")
    if status != "all" and task["completed"] != (status == "completed"):
        return False
    text = f"{task['title']} {task['description'] or ''}".lower()
    if "q" in filters and filters["q"].lower() not in text:
        return False
    if "tag" in filters and filters["tag"] not in task["tags"]:
        return False
    if "priority" in filters and filters["priority"] != task["priority"]:
        return False
    due = dt.datetime.fromisoformat(task["due_at"]) if task["due_at"] else None
    if "due_before" in filters and not (
        due and due <= dt.datetime.fromisoformat(filters["due_before"])
    ):
        return False
    return not (
        "due_after" in filters
        and not (due and due >= dt.datetime.fromisoformat(filters["due_after"]))
    )
