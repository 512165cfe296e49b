"""The built-in agent driven the way the chat endpoint drives it, for the
integration tests: `start_turn` stores the user message and loads the stored
history, a fresh `BuiltinAgent()` answers with a fresh `TaskToolbox`, and
`finish_chat_turn` stores the reply with its tool calls. Nothing else carries
over between turns, as on a restarted server or another replica.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.agent.base import ToolCall
from service.agent.builtin import BuiltinAgent
from service.agent.toolbox import TaskToolbox
from service.agent.undo import CHANGING_TOOLS
from service.chat.contracts import clean_message
from service.chat.history import start_turn
from service.http.context import AppContext

TODAY = dt.date(2026, 11, 25)  # a Wednesday


class Chat:
    """One user's conversations with the built-in agent, stored like the endpoint does."""

    def __init__(self, context: AppContext, user_id: str) -> None:
        self.context = context
        self.user_id = user_id
        self.conversation_id: int | None = None
        self.calls: list[ToolCall] = []  # the tool calls of the latest turn

    async def say(self, text: str) -> str:
        message = clean_message(text, max_chars=self.context.settings.chat_max_message_chars)
        turn = await start_turn(self.context, self.user_id, self.conversation_id, message)
        self.conversation_id = turn.conversation_id
        toolbox = TaskToolbox(
            self.context.pool, self.context.queries, self.user_id, history=turn.history
        )
        reply = await BuiltinAgent().reply(turn.history, toolbox, today=TODAY)
        content = str(reply).replace("\x00", "")
        stored = await self.context.queries.finish_chat_turn(
            self.context.pool,
            user_id=self.user_id,
            conversation_id=self.conversation_id,
            content=content,
            tool_calls=toolbox.recorded,
            status="complete",
            reply_to=turn.user_message_id,
            usage=None,
        )
        assert stored is not None
        self.calls = toolbox.calls
        return content

    def changing_calls(self) -> list[ToolCall]:
        return [call for call in self.calls if call.name in CHANGING_TOOLS]

    def new_conversation(self) -> Chat:
        return Chat(self.context, self.user_id)

    async def add(self, title: str, **fields: Any) -> int:
        """Store a task directly, as if made earlier through the task API."""
        toolbox = TaskToolbox(self.context.pool, self.context.queries, self.user_id)
        result = await toolbox.call("add_task", {"title": title, **fields})
        task_id: int = result["task_id"]
        return task_id

    async def tasks(self) -> dict[int, dict[str, Any]]:
        """The user's stored tasks by id, oldest first."""
        rows = await self.context.pool.fetch(
            "SELECT id, title, description, completed, priority, due_at, tags "
            "FROM tasks WHERE user_id = $1 ORDER BY id",
            self.user_id,
        )
        return {row["id"]: dict(row) for row in rows}

    async def task(self, task_id: int) -> dict[str, Any]:
        return (await self.tasks())[task_id]


def at(day: int, hour: int = 9, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)
