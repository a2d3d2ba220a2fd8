"""Holds: a test stops the next call of one operation at one sandbox PSP, before or after the
PSP executes it, and lets it go when it has done what it wanted meanwhile (killed the caller).

    hold = holds.arm("sandbox-alpha", "capture", AFTER)
    ...                                     # the server, for each call it serves:
    async with holds.point(psp, operation, BEFORE, key):
        answer = await execute()            # a BEFORE hold stops here, before executing
    async with holds.point(psp, operation, AFTER, key):
        pass                                # an AFTER hold stops here, the answer not yet sent

`hold.held` resolves when a call is stopped; `hold.passed` is set once it went past the point
after `release()` (for BEFORE: once the PSP executed it), so the test knows the effect exists.
A hold armed with `every=True` is a gate: it stops every matching call until released (a test
keeps a janitor's status checks from learning anything meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["AFTER", "BEFORE", "Hold", "Holds"]

BEFORE = "before"
AFTER = "after"
_POINTS = frozenset({BEFORE, AFTER})
_ids = itertools.count(1)


@dataclasses.dataclass(eq=False)
class Hold:
    """One armed hold; it takes the first matching call and only that one (every one: a gate)."""

    psp: str
    operation: str
    when: str
    every: bool = False
    id: int = dataclasses.field(default_factory=lambda: next(_ids))
    held: asyncio.Future = dataclasses.field(default_factory=lambda: asyncio.get_running_loop().create_future())
    passed: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    taken: bool = False
    _released: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def matches(self, psp: str, operation: str, when: str) -> bool:
        return (self.psp, self.operation, self.when) == (psp, operation, when)

    def release(self) -> None:
        self._released.set()

    async def wait_until_past(self) -> None:
        """After release: until the one call it stopped went past the point (a gate: at once)."""
        if self.taken and not self.every:
            await self.passed.wait()

    async def stop_here(self, call: dict[str, Any]) -> None:
        if not self.held.done():
            self.held.set_result(call)
        await self._released.wait()


class Holds:
    def __init__(self) -> None:
        self._armed: list[Hold] = []
        self._holding: set[Hold] = set()  # taken by a call that has not gone past its point yet

    def arm(self, psp: str, operation: str, when: str, *, every: bool = False) -> Hold:
        if when not in _POINTS:
            raise ValueError(f"a hold is {BEFORE!r} or {AFTER!r} executing, not {when!r}")
        hold = Hold(psp, operation, when, every)
        self._armed.append(hold)
        return hold

    def disarm(self, hold: Hold) -> None:
        """Take no more calls with `hold`, and let go of those it stopped."""
        if hold in self._armed:
            self._armed.remove(hold)
        hold.release()

    def release_all(self) -> None:
        """Let every held call go and forget the armed holds (the server is closing)."""
        for hold in [*self._armed, *self._holding]:
            hold.release()
        self._armed.clear()

    @contextlib.asynccontextmanager
    async def point(self, psp: str, operation: str, when: str, key: str) -> AsyncIterator[None]:
        """Stop here if a hold is armed for this call; the block runs once it is released."""
        hold = self._take(psp, operation, when)
        if hold is None:
            yield
            return
        self._holding.add(hold)
        try:
            await hold.stop_here({"hold": hold.id, "psp": psp, "operation": operation, "when": when, "key": key})
            yield
        finally:
            self._holding.discard(hold)
            hold.passed.set()

    def _take(self, psp: str, operation: str, when: str) -> Hold | None:
        hold = next((h for h in self._armed if h.matches(psp, operation, when)), None)
        if hold is not None:
            hold.taken = True
            if not hold.every:
                self._armed.remove(hold)
        return hold
