"""SQLite's one writer, shared by the process's write transactions: they take turns on it, and
those that end in the same turn of the event loop commit together.

Turns. SQLite lets one connection write at a time, and a writer that finds the lock taken does
not queue: its busy handler sleeps and retries with sleeps that grow to 100 ms. With 64
concurrent payments most writers slept long after the lock was free (bench/hot_path.py: 19 ms
of server CPU a payment on SQLite against 9 on PostgreSQL). Here the process's writers take the
writer when it is free and otherwise queue for it, and SQLite's busy handler only ever waits for
another process. The writer is never handed to a waiter, only freed and the first waiter woken:
handed over, it would stay taken until the waiter's next loop turn, every writer arriving
meanwhile would queue, and the queue would never drain (a convoy: measured, one transaction a
loop turn, and payments held near 100 a second whatever the CPU left).

Together. Every COMMIT waits for its fsync (`synchronous=FULL`: a commit survives power loss),
about 0.3 ms on these disks, and a payment commits about eight times. A transaction runs inside
a SAVEPOINT of the database transaction of its group (its failure undoes its own writes and no
one else's). The group's first member lets one loop turn pass after it ends, and then commits
once for all who wrote meanwhile (or, if one holds the writer just then, that one does when it
ends). Every member returns only once that COMMIT has: its writes are durable before its caller
goes on, as if it had committed alone. Other connections (reads) see a group's writes when it
commits; its members see each other's, as successive transactions would. A failed COMMIT fails
every member of the group.

On the loop's thread. BEGIN IMMEDIATE, SAVEPOINT, RELEASE and COMMIT run on the sqlite3
connection directly. Through SQLAlchemy's `begin()` each was a hand-off to aiosqlite's thread,
made while holding the writer, whose way back waits for the GIL (which a busy loop's thread gives
up at its 5 ms switch interval). COMMIT's fsync thus blocks the loop, with the GIL released;
grouping is what keeps that small. Only a lock held by another process is waited for off the
loop: BEGIN IMMEDIATE is first tried without waiting, and if busy sent to aiosqlite's thread.

SQLAlchemy sees the connection in autocommit (`AUTOCOMMIT_OPTION`: its begin hook emits no
BEGIN), so a statement it runs itself (one the compiler does not know yet) runs in the group's
transaction, on the same sqlite3 connection, and the rollback it sends when the connection
closes finds nothing left to undo.

A task that holds the writer and waits for another task's write would wait forever where SQLite
would have said "database is locked" after its busy timeout: a writer gives up after that same
timeout with that same error. Inside a transaction, never wait for another task's transaction
on the same database.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mesh.persistence.direct_writes import sqlite3_of, translated

__all__ = ["AUTOCOMMIT_OPTION", "SqliteWriter", "WriterTurn", "begin_immediate_inline"]

# The execution option that tells the engine's begin hook to emit no BEGIN (mesh.persistence.database).
AUTOCOMMIT_OPTION = "mesh_autocommit"
_SAVEPOINT = "mesh_member"


@dataclasses.dataclass(frozen=True)
class WriterTurn:
    """A write transaction's place in its group: the engine's connection (in autocommit as far
    as SQLAlchemy knows) and SQLAlchemy's adapter of its aiosqlite connection."""

    connection: AsyncConnection
    adapter: Any


@dataclasses.dataclass
class _Group:
    """One open database transaction and the members that wait for its COMMIT."""

    turn: WriterTurn
    raw: sqlite3.Connection
    committed: asyncio.Future[None]
    members: int = 0  # transactions ended in it, waiting for its COMMIT
    commit_due: bool = False  # its first member found the writer held: the holder commits it
    lost: BaseException | None = None  # its transaction is gone or cannot commit


@dataclasses.dataclass
class _Turns:
    """The writer's state on one event loop."""

    waiting: collections.deque[asyncio.Future[None]] = dataclasses.field(default_factory=collections.deque)
    held: bool = False
    group: _Group | None = None


class SqliteWriter:
    def __init__(self, engine: AsyncEngine, busy_timeout_ms: int) -> None:
        self._engine = engine
        self._busy_timeout_ms = busy_timeout_ms
        self._turns: dict[asyncio.AbstractEventLoop, _Turns] = {}  # futures and their queue serve one loop

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[WriterTurn]:
        """A write transaction, in a group: commits (with its group) on normal exit, and returns
        once that COMMIT has; rolls back its own writes on any exception, cancellation included."""
        turns = self._state()
        await self._acquire(turns)
        group: _Group | None = None
        try:
            group = turns.group or await self._begin(turns)
            first = group.members == 0
            group.raw.execute(f"SAVEPOINT {_SAVEPOINT}")
            try:
                yield group.turn
            except BaseException:
                await self._undo(group)
                raise
            try:
                group.raw.execute(f"RELEASE {_SAVEPOINT}")
            except Exception as error:
                group.lost = error
                raise
            group.members += 1
        finally:
            await self._release(turns)
        if first:
            await self._commit_after_a_turn(turns, group)
        await _settled(group.committed)
        group.committed.result()  # the group's COMMIT failed: so did this transaction

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """The writer to oneself, any group committed first: for statements the engine runs on a
        connection of its own."""
        turns = self._state()
        await self._acquire(turns)
        try:
            await _closed(self._commit(turns))
            yield
        finally:
            await self._release(turns)

    def _state(self) -> _Turns:
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            self._turns = {known: state for known, state in self._turns.items() if not known.is_closed()}
            turns = self._turns[loop] = _Turns()
        return turns

    async def _acquire(self, turns: _Turns) -> None:
        try:
            async with asyncio.timeout(self._busy_timeout_ms / 1000):
                woken = False
                while turns.held:
                    wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    if woken:
                        turns.waiting.appendleft(wake)  # woken and beaten to it: first in line again
                    else:
                        turns.waiting.append(wake)
                    try:
                        await wake
                    except BaseException:
                        if wake.done() and not wake.cancelled():
                            _wake_next(turns)  # woken, then cancelled: the wake goes to the next
                        else:
                            turns.waiting.remove(wake)
                        raise
                    woken = True
        except TimeoutError:
            raise exc.OperationalError(
                "waiting for this process's SQLite writer", None, sqlite3.OperationalError("database is locked")
            ) from None
        turns.held = True

    async def _release(self, turns: _Turns) -> None:
        """Free the writer and wake the first in line. The group is committed now if it is due,
        lost, or empty (its first member failed); else its first member commits it later."""
        group = turns.group
        closing = None
        if group is not None and (group.commit_due or group.lost or group.members == 0):
            closing = self._commit(turns)
        turns.held = False
        _wake_next(turns)
        await _closed(closing)

    async def _commit_after_a_turn(self, turns: _Turns, group: _Group) -> None:
        """The first member's duty: one loop turn for others to write in the group, then its COMMIT."""
        cancelled = False
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            cancelled = True  # the group commits all the same
        if turns.group is group:
            if turns.held:
                group.commit_due = True  # the holder commits it as it ends
            else:
                await _closed(self._commit(turns))
        if cancelled:
            await _settled(group.committed)
            raise asyncio.CancelledError

    async def _begin(self, turns: _Turns) -> _Group:
        connection = await self._engine.connect()
        try:
            await connection.execution_options(**{AUTOCOMMIT_OPTION: True})
            adapter = (await connection.get_raw_connection()).dbapi_connection
            raw = sqlite3_of(adapter)
            if not begin_immediate_inline(raw, self._busy_timeout_ms):
                await connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits on aiosqlite's thread
        except BaseException:
            await _closed(connection)
            raise
        group = _Group(WriterTurn(connection, adapter), raw, asyncio.get_running_loop().create_future())
        turns.group = group
        return group

    async def _undo(self, group: _Group) -> None:
        """Roll the member back to its savepoint. A statement the engine runs goes to aiosqlite's
        thread, and a cancelled member may have left one running there: then its undo goes
        through that thread too, after it."""
        try:
            if _engine_statement_running(group.turn.adapter):
                undo = asyncio.ensure_future(_undo_on_thread(group.turn.adapter))
                await _settled(undo)
                undo.result()
            else:
                group.raw.execute(f"ROLLBACK TO {_SAVEPOINT}")
                group.raw.execute(f"RELEASE {_SAVEPOINT}")
        except sqlite3.Error as error:
            group.lost = error
        if not group.raw.in_transaction:  # SQLite rolled it all back (an I/O error, a full disk)
            group.lost = group.lost or sqlite3.OperationalError("SQLite rolled the transaction back")

    def _commit(self, turns: _Turns) -> AsyncConnection | None:
        """COMMIT the open group, if any, and settle its members; the connection to close."""
        group, turns.group = turns.group, None
        if group is None:
            return None
        raw = group.raw
        failure: BaseException | None = None
        try:
            if group.lost is not None:
                raise sqlite3.OperationalError("the group's transaction was lost") from group.lost
            raw.execute("COMMIT")
        except Exception as error:
            if raw.in_transaction:
                raw.rollback()  # WAL: no I/O, the pages written are only forgotten
            failure = translated(error, "COMMIT", (), group.turn.adapter, lost=False)
        if failure is None or group.members == 0:
            group.committed.set_result(None)
        else:
            group.committed.set_exception(failure)
        return group.turn.connection


def _wake_next(turns: _Turns) -> None:
    while turns.waiting:
        wake = turns.waiting.popleft()
        if not wake.done():
            wake.set_result(None)
            return


def _engine_statement_running(adapter: Any) -> bool:
    """Whether the engine has a statement of this connection on aiosqlite's thread (SQLAlchemy's
    adapter holds its execute mutex while one runs)."""
    mutex: asyncio.Lock = adapter._execute_mutex
    return mutex.locked()


async def _undo_on_thread(adapter: Any) -> None:
    connection = adapter._connection  # the aiosqlite connection: its calls run in order on its thread
    for sql in (f"ROLLBACK TO {_SAVEPOINT}", f"RELEASE {_SAVEPOINT}"):
        await (await connection.execute(sql)).close()


async def _closed(connection: AsyncConnection | None) -> None:
    if connection is not None:
        await _settled(asyncio.ensure_future(connection.close()))


async def _settled(future: asyncio.Future[Any]) -> None:
    """Wait until `future` is done even if cancelled meanwhile, then re-raise the cancellation:
    what it settles (a COMMIT, an undo, a close) is known before the caller hears of it."""
    cancelled = False
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


def begin_immediate_inline(raw: sqlite3.Connection, busy_timeout_ms: int) -> bool:
    """BEGIN IMMEDIATE without waiting: True if it holds the write lock now, False if another
    process holds it (the caller then waits elsewhere). This process's writers take turns
    before they get here, so a free lock is the common case, and taking it is microseconds."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as error:
        if error.sqlite_errorname != "SQLITE_BUSY":
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
