"""SQLite's one writer, taken in turn by the process's writers instead of fought over.

SQLite lets one connection write at a time. A writer that finds the lock taken does not queue:
its busy handler sleeps and tries again, with sleeps that grow to 100 ms, so with many writers
in one process most of them sleep long after the lock is free, and each wakes a thread of its own
(aiosqlite) to find out. Measured on payments with 64 concurrent payments (bench/hot_path.py):
the server spent 19 ms of CPU per payment on SQLite against 9 ms on PostgreSQL, and payments
stalled behind those sleeps. Here the process's writers queue on one asyncio lock, first come
first served, and SQLite's busy handler only ever waits for another process.

A task that holds the gate and waits for another task's write would wait forever where SQLite
would have said "database is locked" after its busy timeout; the gate gives up after that same
timeout with that same error.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator

from sqlalchemy import exc

__all__ = ["WriterGate"]


class WriterGate:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}  # an asyncio.Lock serves one loop

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """The process's turn to write, held for the block."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {known: held for known, held in self._locks.items() if not known.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        try:
            async with asyncio.timeout(self._timeout):
                await lock.acquire()
        except TimeoutError:
            raise exc.OperationalError(
                "waiting for this process's SQLite writer", None, sqlite3.OperationalError("database is locked")
            ) from None
        try:
            yield
        finally:
            lock.release()
