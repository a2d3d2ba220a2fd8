"""Hedging, driven by attempts that wait on events rather than on time."""

import asyncio

import pytest

from mesh.resilience.hedge import hedged
from tests.waiting import eventually


class Racers:
    """Attempt n (from 0) waits for gates[n], then returns or raises outcomes[n]."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = outcomes
        self.gates = [asyncio.Event() for _ in outcomes]
        self.cancelled = [asyncio.Event() for _ in outcomes]
        self.started = 0

    async def __call__(self) -> object:
        index, self.started = self.started, self.started + 1
        try:
            await self.gates[index].wait()
        except asyncio.CancelledError:
            self.cancelled[index].set()
            raise
        if isinstance(self.outcomes[index], Exception):
            raise self.outcomes[index]
        return self.outcomes[index]


async def test_hedge_is_not_sent_when_the_first_attempt_answers_in_time():
    racers = Racers("first", "second")
    racers.gates[0].set()
    assert await hedged(racers, hedge_after=30.0, may_hedge=lambda: True) == "first"
    assert racers.started == 1


async def test_hedge_answer_wins_and_the_slow_first_attempt_is_cancelled():
    racers = Racers("first", "second")
    racers.gates[1].set()
    assert await hedged(racers, hedge_after=0.001, may_hedge=lambda: True) == "second"
    assert racers.cancelled[0].is_set()


async def test_hedge_waits_for_the_other_attempt_when_one_fails():
    racers = Racers("first", ConnectionError("second failed"))
    racers.gates[1].set()
    task = asyncio.ensure_future(hedged(racers, hedge_after=0.001, may_hedge=lambda: True))
    await eventually(lambda: racers.started == 2, "the hedge starting its second racer")
    racers.gates[0].set()
    assert await task == "first"


async def test_hedge_raises_the_last_failure_when_both_fail():
    racers = Racers(ConnectionError("first failed"), ConnectionError("second failed"))
    racers.gates[1].set()
    task = asyncio.ensure_future(hedged(racers, hedge_after=0.001, may_hedge=lambda: True))
    await eventually(lambda: racers.started == 2, "the hedge starting its second racer")
    racers.gates[0].set()
    with pytest.raises(ConnectionError, match="first failed"):
        await task


async def test_hedge_is_not_sent_when_not_allowed():
    racers = Racers("first", "second")
    asked = asyncio.Event()

    def refuse() -> bool:
        asked.set()
        return False

    task = asyncio.ensure_future(hedged(racers, hedge_after=0.001, may_hedge=refuse))
    await asked.wait()
    racers.gates[0].set()
    assert await task == "first"
    assert racers.started == 1


async def test_hedge_cancelled_by_its_caller_cancels_both_attempts():
    racers = Racers("first", "second")
    task = asyncio.ensure_future(hedged(racers, hedge_after=0.001, may_hedge=lambda: True))
    await eventually(lambda: racers.started == 2, "the hedge starting its second racer")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [event.is_set() for event in racers.cancelled] == [True, True]
