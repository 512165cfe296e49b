"""The built-in agent: parse the last message, run it, reply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from service.agent.base import HistoryMessage, Toolbox
from service.agent.builtin import execute
from service.agent.builtin.history import unanswered_request
from service.agent.builtin.intents import (
    AddTask,
    ChooseTask,
    DeleteTask,
    Intent,
    ListTasks,
    SetCompleted,
    SmallTalk,
    UpdateTask,
)
from service.agent.builtin.parse import parse_message


class BuiltinAgent:
    """The offline, deterministic agent of SPEC 6 (AI_PROVIDER=builtin).

    It holds no state: everything it needs comes from `history` and `today`, so
    any replica answers a conversation the same way.
    """

    async def reply(
        self, history: Sequence[HistoryMessage], toolbox: Toolbox, *, today: dt.date
    ) -> str:
        """Answer the last (user) message of `history`, using the toolbox."""
        if not history or history[-1].role != "user":
            return execute.small_talk(SmallTalk("help"))
        intent = parse_message(history[-1].content, today)
        if isinstance(intent, ChooseTask):
            intent = _answer_to_question(intent, history, today)
        return await run(intent, history, toolbox, today)


def _answer_to_question(
    choice: ChooseTask, history: Sequence[HistoryMessage], today: dt.date
) -> Intent:
    """A bare "#3" after "Which one?": the earlier request, now about task 3."""
    earlier = unanswered_request(history)
    previous = parse_message(earlier, today) if earlier is not None else None
    if isinstance(previous, SetCompleted | DeleteTask | UpdateTask):
        return msgspec.structs.replace(previous, task=choice.task)
    return choice


async def run(
    intent: Intent, history: Sequence[HistoryMessage], toolbox: Toolbox, today: dt.date
) -> str:
    """Carry out `intent` through the toolbox and phrase the reply."""
    match intent:
        case AddTask():
            return await execute.add_task(intent, toolbox, today)
        case ListTasks():
            return await execute.list_tasks(intent, toolbox, today)
        case SetCompleted():
            return await execute.set_completed(intent, history, toolbox)
        case DeleteTask():
            return await execute.delete_task(intent, history, toolbox)
        case UpdateTask():
            return await execute.update_task(intent, history, toolbox, today)
        case ChooseTask():
            return (
                f"What would you like to do with task #{intent.task.task_id}? "
                'For example "mark it as done" or "delete it".'
            )
        case SmallTalk():
            return execute.small_talk(intent)
