"""Group commit: consumers' pieces of work share a transaction with whatever queued up meanwhile.

A consumer's transactions are short and alike (an inbox row and a handler's few statements),
and most of their cost is the transaction itself: a connection, BEGIN, COMMIT and its flush,
and on SQLite the wait for the one writer. GroupCommit runs each piece of work in a transaction
shared with the others that arrived while the previous transaction ran: alone when traffic is
light, up to max_batch together when it is not. Nothing ever waits for a batch to fill.

All together, or each alone: if any work of a shared transaction raises, or its commit fails,
it rolls back and every work of the batch runs again in a transaction of its own, so each gets
its own outcome. A handler may thus run twice for one delivery, the first run rolled back, as
on a redelivery, which handlers tolerate anyway.

The work of one caller may run in another caller's task (whoever took the batch): it must not
depend on the task it was submitted from.

An opening step, if given, runs first in every transaction with the tags of all its works, and
each work receives what it returned: a consumer claims all its events in the inbox at once.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.persistence import Database

__all__ = ["GroupCommit"]

log = logging.getLogger("mesh.events.group_commit")
T = TypeVar("T")
Work = Callable[[AsyncConnection, Any], Awaitable[T]]  # (connection, what the opening step returned)
Opening = Callable[[AsyncConnection, list[Any]], Awaitable[Any]]  # (connection, the works' tags)


@dataclasses.dataclass(eq=False)
class _Queued(Generic[T]):
    work: Work[T]
    tag: Any
    outcome: asyncio.Future[T]


class GroupCommit:
    """concurrency: shared transactions open at once; max_batch: works one of them takes."""

    def __init__(self, database: Database, *, max_batch: int, concurrency: int, opening: Opening | None = None) -> None:
        if max_batch < 1 or concurrency < 1:
            raise ValueError("max_batch and concurrency must be at least 1")
        self._db = database
        self._opening = opening
        self._max_batch = max_batch
        self._concurrency = concurrency
        self._open = 0  # shared transactions running
        self._waiting: collections.deque[_Queued[Any]] = collections.deque()
        self._batch_ended: asyncio.Future[None] | None = None  # resolved, and replaced, as each batch ends

    async def run(self, work: Callable[[AsyncConnection, Any], Awaitable[T]], tag: Any = None) -> T:
        """work(connection, opened) inside a transaction, perhaps shared; its result, or its error."""
        queued: _Queued[T] = _Queued(work, tag, asyncio.get_running_loop().create_future())
        self._waiting.append(queued)
        try:
            while not queued.outcome.done():
                if self._waiting and self._open < self._concurrency:
                    await self._lead()  # takes the oldest waiting works, perhaps not this one
                else:  # every slot busy, or this work is in a running batch
                    await asyncio.shield(self._next_batch_end())
        except asyncio.CancelledError:
            self._forget(queued)
            raise
        return queued.outcome.result()

    async def _lead(self) -> None:
        self._open += 1
        try:
            await self._run_batch(self._take())
        finally:
            self._open -= 1
            ended, self._batch_ended = self._batch_ended, None
            if ended is not None:
                ended.set_result(None)  # the waiting callers look again: done, or lead the next batch

    def _next_batch_end(self) -> asyncio.Future[None]:
        if self._batch_ended is None:
            self._batch_ended = asyncio.get_running_loop().create_future()
        return self._batch_ended

    def _forget(self, queued: _Queued[Any]) -> None:
        if queued in self._waiting:
            self._waiting.remove(queued)  # nobody took it: it never runs
        else:  # it runs anyway; nobody will read its outcome
            queued.outcome.add_done_callback(lambda outcome: outcome.exception())

    def _take(self) -> list[_Queued[Any]]:
        batch: list[_Queued[Any]] = []
        while self._waiting and len(batch) < self._max_batch:
            batch.append(self._waiting.popleft())
        return batch

    async def _run_batch(self, batch: list[_Queued[Any]]) -> None:
        try:
            if len(batch) > 1 and await self._together(batch):
                return
            for queued in batch:
                await self._alone(queued)
        finally:
            for queued in batch:  # the batch was cancelled midway: its waiters fail, and nack
                if not queued.outcome.done():
                    queued.outcome.set_exception(RuntimeError("the transaction was cancelled"))

    async def _together(self, batch: list[_Queued[Any]]) -> bool:
        results = []
        try:
            async with self._db.transaction() as conn:
                opened = await self._open_transaction(conn, batch)
                for queued in batch:
                    results.append(await queued.work(conn, opened))
        except Exception:
            log.debug("a shared transaction of %d failed; running each alone", len(batch), exc_info=True)
            return False
        for queued, result in zip(batch, results, strict=True):
            queued.outcome.set_result(result)
        return True

    async def _alone(self, queued: _Queued[Any]) -> None:
        try:
            async with self._db.transaction() as conn:
                result = await queued.work(conn, await self._open_transaction(conn, [queued]))
        except Exception as error:
            queued.outcome.set_exception(error)
        else:
            queued.outcome.set_result(result)

    async def _open_transaction(self, conn: AsyncConnection, batch: list[_Queued[Any]]) -> Any:
        return None if self._opening is None else await self._opening(conn, [queued.tag for queued in batch])
