"""Background work that runs until the service stops.

A worker is `async (stop: asyncio.Event) -> None`: it returns soon after `stop` is set
(`OutboxRelay(database, bus).run` is one). `every(interval, step)` makes one of a periodic step:

    workers=[every(5.0, janitor.run_once)]

A failing step is logged and tried again at the next interval: one bad pass must not end the
worker for the rest of the process's life. The wait between steps is a wait on `stop`, so setting
it wakes the worker at once; a step already running is let finish (it is cut short by nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("mesh.workers")
Worker = Callable[[asyncio.Event], Awaitable[None]]


def every(interval_seconds: float, step: Callable[[], Awaitable[object]], *, name: str | None = None) -> Worker:
    """A worker running `step()` now and then every `interval_seconds` until stopped."""
    label = name or str(getattr(step, "__qualname__", repr(step)))

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _attempt(step, label)
            await wait_or_stop(stop, interval_seconds)

    return run


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds`, returning at once when `stop` is set; True if it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _attempt(step: Callable[[], Awaitable[object]], label: str) -> None:
    try:
        await step()
    except Exception:
        log.exception("%s failed; trying again at the next interval", label)
