"""The built-in agent: parse the last message, run it, reply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from service.agent.base import HistoryMessage, Toolbox, zone_of
from service.agent.builtin import execute, replies
from service.agent.builtin.courtesy import confirmation_answer
from service.agent.builtin.dates import DateOutOfRange
from service.agent.builtin.history import pending_deletion, shown_list, unanswered_request
from service.agent.builtin.intents import (
    AddTask,
    ByNumber,
    ByPosition,
    ByTitle,
    ChooseTask,
    DeleteTask,
    Intent,
    ListTasks,
    SetCompleted,
    SmallTalk,
    Undo,
    UpdateTask,
)
from service.agent.builtin.lookup import resolve_reference, search_variants
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
        try:
            return await self._reply(history, toolbox, today)
        except DateOutOfRange:
            return replies.DATE_OUT_OF_RANGE

    async def _reply(
        self, history: Sequence[HistoryMessage], toolbox: Toolbox, today: dt.date
    ) -> str:
        pending = pending_deletion(history)
        if pending:
            answer = confirmation_answer(history[-1].content)
            if answer is True:
                return await execute.delete_confirmed(pending, toolbox)
            if answer is False:
                return replies.KEPT
        intent = parse_message(history[-1].content, today)
        if isinstance(intent, ChooseTask):
            if isinstance(intent.task, ByPosition):
                task_id = resolve_reference(intent.task, history)
                if isinstance(task_id, str):
                    return task_id
                intent = ChooseTask(ByNumber(task_id))
            intent = _answer_to_question(intent, history, today)
        return await run(in_zone(intent, zone_of(history)), history, toolbox, today)


_TIME_FIELDS = ("due_at", "due_before", "due_after")


def in_zone(intent: Intent, zone: dt.tzinfo) -> Intent:
    """The intent with its times read as wall-clock times of the user's zone.

    The date phrases resolve to wall-clock times ("tomorrow at 5pm" is 17:00);
    said in Berlin that is 17:00 Berlin time, so the tools get it with Berlin's
    offset, and the replies still say 17:00.
    """
    changes = {
        name: value.replace(tzinfo=zone)
        for name in _TIME_FIELDS
        if isinstance(value := getattr(intent, name, None), dt.datetime)
    }
    return msgspec.structs.replace(intent, **changes) if changes else intent


def _answer_to_question(
    choice: ChooseTask, history: Sequence[HistoryMessage], today: dt.date
) -> Intent:
    """A bare "#3" after "Which one?": the earlier request, now about task 3."""
    earlier = unanswered_request(history)
    previous = parse_message(earlier, today) if earlier is not None else None
    if isinstance(previous, UpdateTask) and previous.other_splits:
        previous = _reading_asked_about(previous, history)
    if isinstance(previous, SetCompleted | DeleteTask | UpdateTask):
        return msgspec.structs.replace(previous, task=choice.task)
    return choice


def _reading_asked_about(update: UpdateTask, history: Sequence[HistoryMessage]) -> UpdateTask:
    """Of "rename go to gym to ...", the split whose title the "which one?" searched for."""
    shown = shown_list(history)
    for reading in update.readings():
        if (
            shown
            and isinstance(reading.task, ByTitle)
            and shown.query in search_variants(reading.task.text)
        ):
            return reading
    return update


async def run(
    intent: Intent, history: Sequence[HistoryMessage], toolbox: Toolbox, today: dt.date
) -> str:
    """Carry out `intent` through the toolbox and phrase the reply."""
    match intent:
        case AddTask():
            return await execute.add_task(intent, toolbox, today)
        case ListTasks():
            return await execute.list_tasks(intent, toolbox, today, zone_of(history))
        case SetCompleted():
            return await execute.set_completed(intent, history, toolbox)
        case DeleteTask():
            return await execute.delete_task(intent, history, toolbox)
        case UpdateTask():
            return await execute.update_task(intent, history, toolbox, today)
        case ChooseTask(task=ByNumber(task_id=task_id)):
            return (
                f"What would you like to do with task #{task_id}? "
                'For example "mark it as done" or "delete it".'
            )
        case SmallTalk():
            return execute.small_talk(intent)
        case Undo():
            return await execute.undo(toolbox)
        case ChooseTask():  # a place in a list, resolved by `reply` before this
            return replies.WHICH_TASK
