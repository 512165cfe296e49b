"""A turn's budget: one deadline for everything, a stop for a client that leaves."""

from __future__ import annotations

import asyncio

import pytest

from service.agent.base import TurnBudget, TurnStopped


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_check_passes_until_the_deadline_then_says_deadline() -> None:
    clock = Clock()
    budget = TurnBudget(seconds=5, max_tool_calls=3, clock=clock)
    budget.check()
    assert budget.remaining() == 5
    clock.now += 5
    with pytest.raises(TurnStopped) as stopped:
        budget.check()
    assert stopped.value.reason == "deadline"


async def test_race_cancels_the_work_when_the_client_leaves() -> None:
    budget = TurnBudget(seconds=60, max_tool_calls=3)
    cancelled = asyncio.Event()

    async def slow_model_call() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    asyncio.get_running_loop().call_later(0.05, budget.stop, "disconnect")
    with pytest.raises(TurnStopped) as stopped:
        await budget.race(slow_model_call())
    assert stopped.value.reason == "disconnect"
    await asyncio.sleep(0)
    assert cancelled.is_set()


async def test_race_gives_up_at_the_deadline() -> None:
    budget = TurnBudget(seconds=0.05, max_tool_calls=3)
    with pytest.raises(TurnStopped) as stopped:
        await budget.race(asyncio.sleep(30))
    assert stopped.value.reason == "deadline"


async def test_race_returns_what_finishes_in_time() -> None:
    budget = TurnBudget(seconds=5, max_tool_calls=3)

    async def quick() -> str:
        return "done"

    assert await budget.race(quick()) == "done"
