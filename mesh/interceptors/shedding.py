"""Layer 2: load shedding. Refuses, before any work, a call the server should not start:

- the server is shutting down (after its drain window): UNAVAILABLE / DEPENDENCY_UNAVAILABLE
  with RetryInfo, so the caller retries elsewhere instead of being cut off mid-call;
- the caller's deadline leaves less than `min_deadline_seconds` (or has passed):
  DEADLINE_EXCEEDED / DEADLINE_EXCEEDED, the work could not finish in time anyway;
- `max_concurrent_calls` are already running: RESOURCE_EXHAUSTED / RATE_LIMITED with RetryInfo
  (the closest common reason: the contract has no "server overloaded" one), instead of queueing
  without bound on the event loop and the database pool.

`Admission` also counts the calls it let in, so the server can wait for them before it stops.
It sees only the runtime's own methods: health checks and reflection are never shed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import math
from collections.abc import Awaitable, Callable, Iterator

from google.protobuf.message import Message

from mesh.config import MeshSettings
from mesh.errors import Code, DomainError, common
from mesh.interceptors.chain import Call, Context, Layer, Next

SETTLE_TICK_SECONDS = 0.01  # long enough for gRPC's poller thread to hand over a queued call
OVERLOADED_RETRY_AFTER = datetime.timedelta(milliseconds=100)  # a running call usually ends by then
SHUTTING_DOWN_RETRY_AFTER = datetime.timedelta(milliseconds=500)  # another replica, or this one gone


class Admission:
    """Which calls the server starts, and how many of those are still running."""

    def __init__(
        self,
        max_concurrent_calls: int,
        min_deadline_seconds: float,
        *,
        tick: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.max_concurrent_calls = max_concurrent_calls
        self.min_deadline_seconds = min_deadline_seconds
        self.accepting = True
        self.in_flight = 0
        self.arrivals = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # One settle tick (see settled); injectable so a test steps the ticks itself.
        self._tick = tick or _sleep_one_tick

    @classmethod
    def from_settings(cls, settings: MeshSettings) -> Admission:
        return cls(settings.max_concurrent_calls, settings.min_deadline_seconds)

    def arrived(self) -> None:
        self.arrivals += 1

    def refusal(self, context: Context) -> DomainError | None:
        """Why this call must not start, or None to start it."""
        if not self.accepting:
            return _shutting_down()
        remaining = context.time_remaining()
        if remaining is not None and remaining <= self.min_deadline_seconds:
            return _too_late(self.min_deadline_seconds)
        if self.in_flight >= self.max_concurrent_calls:
            return _overloaded(self.max_concurrent_calls)
        return None

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self.in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    def stop_accepting(self) -> None:
        """From now on every arriving call is refused UNAVAILABLE (shutdown, after the drain)."""
        self.accepting = False

    async def settled(self, quiet_seconds: float) -> None:
        """Returns once no admitted call runs and none has arrived for `quiet_seconds`.

        Quiet is counted in ticks of the event loop, not read off the clock: after a stall (the
        process descheduled, a blocking call) the calls that queued meanwhile in gRPC reach this
        layer a few loop turns later, and a clock would already call it quiet."""
        needed, quiet_ticks = max(1, math.ceil(quiet_seconds / SETTLE_TICK_SECONDS)), 0
        while quiet_ticks < needed:
            await self._idle.wait()
            seen = self.arrivals
            await self._tick()
            quiet_ticks = quiet_ticks + 1 if self.arrivals == seen and self._idle.is_set() else 0


async def _sleep_one_tick() -> None:
    await asyncio.sleep(SETTLE_TICK_SECONDS)


def shedding_layer(admission: Admission) -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        admission.arrived()
        refused = admission.refusal(call.context)
        if refused is not None:
            raise refused
        with admission.running():
            return await following(call)

    return layer


def _shutting_down() -> DomainError:
    return DomainError(
        Code.UNAVAILABLE,
        common.DEPENDENCY_UNAVAILABLE,
        "server shutting down",
        metadata={"cause": "shutting_down"},
        retry_after=SHUTTING_DOWN_RETRY_AFTER,
    )


def _too_late(min_deadline_seconds: float) -> DomainError:
    return DomainError(
        Code.DEADLINE_EXCEEDED,
        common.DEADLINE_EXCEEDED,
        f"the deadline leaves less than {min_deadline_seconds:g}s: the call was not started",
        metadata={"min_deadline_seconds": f"{min_deadline_seconds:g}"},
    )


def _overloaded(limit: int) -> DomainError:
    return DomainError(
        Code.RESOURCE_EXHAUSTED,
        common.RATE_LIMITED,
        "server overloaded, retry later",
        metadata={"cause": "overloaded", "max_concurrent_calls": str(limit)},
        retry_after=OVERLOADED_RETRY_AFTER,
    )
