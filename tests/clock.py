"""A clock for MemoryBus that moves only when a test moves it.

Ack deadlines and backoffs keep the topology's real values (10 s, 5 s, ...) and expire exactly
when the test advances past them, in the order they fall due: never early, never late, never
because the machine was busy. A zero delay (no backoff) runs on the next loop turn, as the
event loop's own clock would run it, without waiting for the test.

A bus whose test never advances its clock thus redelivers nacked messages at once (when the
topology has no backoff) and never expires an ack deadline: what stacks of services want, whose
handlers may be slow on a loaded machine but are never stuck.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import itertools
from collections.abc import Callable

from tests.waiting import Changes

__all__ = ["ManualClock"]


@dataclasses.dataclass(eq=False)
class _Timer:
    due: float
    callback: Callable[[], None]
    clock: ManualClock = dataclasses.field(repr=False)
    done: bool = False

    def cancel(self) -> None:
        if not self.done:
            self.done = True
            self.clock.changes.announce()


class ManualClock:
    """A mesh.events.memory_bus.Clock that stands still until `advance`."""

    def __init__(self) -> None:
        self.now = 0.0
        self.changes = Changes()  # announced whenever a timer is set, cancelled or fired
        # (due, order set, timer): ties fire in the order they were set, as the event loop's do.
        self._timers: list[tuple[float, int, _Timer]] = []
        self._order = itertools.count()

    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.Handle | _Timer:
        if delay <= 0:
            return asyncio.get_running_loop().call_soon(callback)
        timer = _Timer(self.now + delay, callback, self)
        heapq.heappush(self._timers, (timer.due, next(self._order), timer))
        self.changes.announce()
        return timer

    def pending(self) -> list[float]:
        """When each timer still to fire falls due, soonest first."""
        return sorted(timer.due for _, _, timer in self._timers if not timer.done)

    async def until_pending(self, *due: float) -> None:
        """Return once exactly these timers (by due time) are waiting to fire: the bus has set every
        deadline and backoff the deliveries so far call for."""
        wanted = sorted(due)
        await self.changes.until(lambda: self.pending() == wanted, f"timers pending at {wanted}")

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, firing every timer that falls due meanwhile, in order."""
        if seconds < 0:
            raise ValueError("time does not run backwards")
        until = self.now + seconds
        while self._timers and self._timers[0][0] <= until:
            _, _, timer = heapq.heappop(self._timers)
            if timer.done:
                continue
            self.now = timer.due
            timer.done = True
            timer.callback()
            self.changes.announce()
        self.now = until
