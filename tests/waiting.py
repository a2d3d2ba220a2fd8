"""Waiting in tests: for something the code under test makes happen, never for a length of time.

- `Changes`: the code under test (a fake, a recorder) announces each change it makes; a test
  awaits a condition on that state, re-checked at every announcement. No polling at all.
- `eventually` (async) and `wait_until` (blocking, for fixtures that start processes): poll a
  condition on state the test can only look at (rows another process writes, a read model
  behind gRPC, a server coming up) until it holds.

All of them fail the test loudly once their deadline passes, naming what never happened: a
deadline is how long something may take at worst on a loaded CI machine, not a guess at how long
it takes. Nothing here ever waits for a quiet period: to show that something did NOT happen, a
test waits for a positive sign that everything that could have caused it is done.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import NoReturn

import pytest

__all__ = ["WAIT_SECONDS", "Changes", "eventually", "wait_until"]

WAIT_SECONDS = 30.0
# Between two looks at state nothing announces: short enough to add no noticeable time, long
# enough not to compete with the work being waited for.
POLL_SECONDS = 0.02


def _never_happened(what: str, within: float, last: object = None) -> NoReturn:
    detail = "" if last is None else f" (last seen: {last!r})"
    pytest.fail(f"{what} did not happen within {within:g} s{detail}", pytrace=False)


async def eventually(condition: Callable[[], object], what: str, *, within: float = WAIT_SECONDS) -> None:
    """Return once condition() is truthy (awaited first if it returns an awaitable); fail the test
    after `within` seconds, saying `what` never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if loop.time() >= deadline:
            _never_happened(what, within, value)
        await asyncio.sleep(POLL_SECONDS)


def wait_until(condition: Callable[[], object], what: str, *, within: float = WAIT_SECONDS) -> None:
    """The blocking `eventually`, for session fixtures that wait on a process they started."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            _never_happened(what, within)
        time.sleep(POLL_SECONDS)


class Changes:
    """State changes a fake announces, for a test to await a condition on them."""

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def announce(self) -> None:
        """Call after every change: wakes each waiter whose condition now holds."""
        for condition, woken in self._waiters:
            if not woken.done() and condition():
                woken.set_result(None)

    async def until(self, condition: Callable[[], bool], what: str, *, within: float = WAIT_SECONDS) -> None:
        """Return once condition() holds (now, or after some announced change); fail after `within` s."""
        if condition():
            return
        waiter = (condition, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                await waiter[1]
        except TimeoutError:
            _never_happened(what, within)
        finally:
            self._waiters.remove(waiter)
