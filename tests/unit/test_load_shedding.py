"""Admission decisions of the shedding layer, one rule at a time."""

from __future__ import annotations

import asyncio
import dataclasses

from mesh.errors import Code
from mesh.interceptors.shedding import SETTLE_TICK_SECONDS, Admission


@dataclasses.dataclass
class FakeContext:
    remaining: float | None = None

    def time_remaining(self) -> float | None:
        return self.remaining


def test_call_without_deadline_within_the_limit_is_admitted() -> None:
    assert Admission(max_concurrent_calls=1, min_deadline_seconds=0.01).refusal(FakeContext()) is None


def test_call_whose_deadline_has_passed_is_refused_deadline_exceeded() -> None:
    refused = Admission(max_concurrent_calls=1, min_deadline_seconds=0).refusal(FakeContext(remaining=0.0))

    assert (refused.code, refused.reason.name) == (Code.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED")


def test_call_with_less_than_the_minimum_left_is_refused_deadline_exceeded() -> None:
    refused = Admission(max_concurrent_calls=1, min_deadline_seconds=0.5).refusal(FakeContext(remaining=0.4))

    assert refused.code == Code.DEADLINE_EXCEEDED


def test_call_at_the_limit_is_refused_resource_exhausted_with_a_retry_delay() -> None:
    admission = Admission(max_concurrent_calls=1, min_deadline_seconds=0)
    with admission.running():
        refused = admission.refusal(FakeContext())

    assert (refused.code, refused.reason.name) == (Code.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    assert refused.retry_after.total_seconds() > 0
    assert admission.refusal(FakeContext()) is None  # the slot is free again


def test_after_stop_accepting_every_call_is_refused_unavailable_with_a_retry_delay() -> None:
    admission = Admission(max_concurrent_calls=10, min_deadline_seconds=0)
    admission.stop_accepting()

    refused = admission.refusal(FakeContext(remaining=30.0))

    assert (refused.code, refused.reason.name) == (Code.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    assert refused.retry_after.total_seconds() > 0


async def test_settled_waits_for_the_running_calls_to_finish() -> None:
    admission = Admission(max_concurrent_calls=10, min_deadline_seconds=0)
    with admission.running():
        settled = asyncio.ensure_future(admission.settled(quiet_seconds=0))
        for _ in range(3):
            await asyncio.sleep(0)  # let it run up to its wait
        assert not settled.done()

    await asyncio.wait_for(settled, 5)


class SteppedTicks:
    """Settle ticks the test hands out one at a time: `settled` cannot count a tick it was not given."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()  # settled is inside a tick, waiting for it to end
        self._end = asyncio.Event()

    async def tick(self) -> None:
        self.waiting.set()
        await self._end.wait()
        self._end.clear()

    async def step(self) -> None:
        """Let the tick that settled is waiting in end, and wait until it waits in the next one."""
        await self.waiting.wait()
        self.waiting.clear()
        self._end.set()


async def test_settled_waits_while_calls_keep_arriving() -> None:
    ticks = SteppedTicks()
    admission = Admission(max_concurrent_calls=10, min_deadline_seconds=0, tick=ticks.tick)
    settled = asyncio.ensure_future(admission.settled(quiet_seconds=5 * SETTLE_TICK_SECONDS))
    for _ in range(20):  # a refused call in every tick: never quiet
        await ticks.waiting.wait()
        admission.arrived()
        await ticks.step()
        assert not settled.done()

    for _ in range(4):  # quiet from now on: four ticks are not yet five
        await ticks.step()
        await ticks.waiting.wait()
        assert not settled.done()
    await ticks.step()  # the fifth
    await asyncio.wait_for(settled, 5)
