"""Hedged requests: a second attempt races a slow first one; the first success wins.

Tail latency of a read is mostly one slow replica or one slow packet. After `hedge_after` seconds
without an answer a second attempt starts (if `may_hedge` allows it, e.g. the retry budget pays);
whichever succeeds first is returned and the other is cancelled, which cancels its RPC on the
server. When both fail, the last failure is raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["hedged"]

T = TypeVar("T")


async def hedged(attempt: Callable[[], Awaitable[T]], hedge_after: float, may_hedge: Callable[[], bool]) -> T:
    """Run attempt(); after hedge_after seconds without an outcome, race a second attempt()."""
    first = asyncio.ensure_future(attempt())
    try:
        done, _ = await asyncio.wait({first}, timeout=hedge_after)
    except asyncio.CancelledError:
        await _cancel({first})
        raise
    if done or not may_hedge():
        return await first
    return await _first_success({first, asyncio.ensure_future(attempt())})


async def _first_success(racing: set[asyncio.Future[T]]) -> T:
    pending = set(racing)
    try:
        while True:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            failures = [failure for task in done if (failure := task.exception()) is not None]
            winners = [task for task in done if task.exception() is None]
            if winners:
                return winners[0].result()
            if not pending:
                raise failures[-1]
    finally:
        await _cancel(pending)


async def _cancel(tasks: set[asyncio.Future[T]]) -> None:
    """Cancel the losers and wait until they have stopped, so their RPCs are cancelled too."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
