"""Transactions whose compiled statements run on the driver's connection itself.

`Database.transaction()` hands out the engine's connection wrapped in a `DirectConnection`: a
statement the compiler knows (mesh.persistence.compiled) is sent straight to the driver, inside
the transaction the database began on the driver's connection (mesh.persistence.sqlite_writer,
postgres_transactions), and answers a Result as the engine would (rows, rowcount); any other
statement goes through the engine connection, in that same transaction.
- PostgreSQL: to asyncpg. Measured in one process, a transaction of three UPDATEs cost 566 µs of
  CPU through the engine against 138 µs on asyncpg; a payment runs about 32 statements in 10
  transactions.
- SQLite: to the sqlite3 connection, on the event loop's thread. aiosqlite hands every call to a
  thread of its own and back (three hand-offs a statement), which was most of a payment's CPU
  on SQLite. Inside a transaction that cannot wait: BEGIN IMMEDIATE took the write lock when it
  began, and a statement in WAL mode writes to memory (the fsync is COMMIT's, one for a group
  of transactions: mesh.persistence.sqlite_writer). On SQLite `statement()` is a transaction of
  one statement, so it is sent here too.

This leans on SQLAlchemy's adapters for asyncpg and aiosqlite (pinned in requirements.lock), the
way their own cursors do: statements hold the adapter's execute mutex, the asyncpg adapter's
transaction is the one its cursor would find (begun again lazily, as the cursor would, should
it have ended), and a driver error is translated by the adapter and wrapped by
`DBAPIError.instance`, so callers see the same IntegrityError (and `is_unique_violation`)
either way.
`tests/integration/persistence/test_direct_writes.py` holds this to the engine's behaviour.

On PostgreSQL a write queued with `batched_write` waits for the transaction's next statement or
its COMMIT and goes with the other writes queued, one round trip for all
(mesh.persistence.write_batch).
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from typing import Any, NoReturn, Protocol

import asyncpg
from sqlalchemy import Result, exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import UpdateBase

from mesh.persistence.compiled import CompiledStatement, Parameters, Reader, StatementCompiler
from mesh.persistence.write_batch import Check, QueuedWrite, batchable, checked, combined

__all__ = [
    "DirectConnection",
    "batched_write",
    "is_gone",
    "pool_translation",
    "run_on_asyncpg",
    "sqlite3_of",
    "translated",
]

_ROWCOUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+|MERGE) (\d+)")


class DirectConnection(Reader):
    """The engine's AsyncConnection, with compiled statements sent to the driver directly. Anything
    else a caller uses (run_sync, get_raw_connection, …) is the engine connection's own."""

    def __init__(self, connection: AsyncConnection, compiler: StatementCompiler, *, adapter: Any) -> None:
        """`adapter`: SQLAlchemy's adapter of the driver's connection under `connection`, on which
        the database drives the transaction itself (SQLite's inline ones, mesh.persistence.
        sqlite_writer; PostgreSQL's, mesh.persistence.postgres_transactions)."""
        super().__init__(compiler)
        self._connection = connection
        self._adapter: Any = adapter
        self._queued: list[QueuedWrite] = []  # batched writes not sent yet (PostgreSQL)
        # A batch whose check failed ran its writes all the same: the transaction may not commit.
        self._failed: BaseException | None = None

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._connection, name)
        if self._queued and callable(value):
            raise RuntimeError(f"{name}() with batched writes not sent: only execute() sends them first")
        return value

    def in_transaction(self) -> bool:
        return True  # handed out only inside a transaction the database drives

    async def execute(self, statement: Executable, parameters: Parameters = None, **options: Any) -> Result[Any]:
        bound = None if options else self._compiler.bind(statement, parameters)
        return await self._run(statement, parameters, bound, options)

    async def _run(
        self,
        statement: Executable,
        parameters: Parameters,
        bound: tuple[CompiledStatement, tuple[Any, ...]] | None,
        options: dict[str, Any],
    ) -> Result[Any]:
        """`statement`, compiled as `bound` (None: through the engine), after the writes queued."""
        if self._queued or self._failed:
            await self.send_queued()  # what it runs sees the writes queued before it
        if bound is None:
            return await self._connection.execute(statement, parameters, **options)
        compiled, arguments = bound
        adapter = self._adapter
        async with adapter._execute_mutex:
            try:
                if self.dialect.name == "sqlite":
                    return _on_sqlite3(adapter, compiled, arguments)
                return await _on_asyncpg(adapter, compiled, arguments)
            except Exception as error:
                # Only asyncpg's connections can be lost; aiosqlite's file cannot.
                lost = self.dialect.name == "postgresql" and is_gone(adapter._connection)
                raise translated(error, compiled.sql, arguments, adapter, lost=lost) from error

    async def write(self, statement: Executable, parameters: Parameters, check: Check | None) -> None:
        """See `batched_write`."""
        if self._failed is not None:
            await self.send_queued()  # raises: nothing more goes into a transaction that must roll back
        # Bound once: the compiler counts sightings, and compiles a statement on its second.
        bound = self._compiler.bind(statement, parameters)
        queued = self._queueable(statement, bound, check)
        if queued is None:
            result = await self._run(statement, parameters, bound, {})
            try:
                _check(result, check)
            except BaseException as error:
                self._failed = error  # as a batch's would: the transaction may only roll back
                raise
            return
        if any(write.table == queued.table for write in self._queued):
            await self.send_queued()  # one statement's CTEs cannot see each other's rows
        self._queued.append(queued)

    async def send_queued(self) -> None:
        """Send the batched writes, one statement for all, and run their checks; the transaction
        calls it before COMMIT. A check that raises leaves the transaction to roll back."""
        if self._failed is not None:
            raise RuntimeError("a batched write failed in this transaction: it can only roll back") from (self._failed)
        queued, self._queued = self._queued, []
        if not queued:
            return
        adapter = self._adapter
        alone = queued[0] if len(queued) == 1 else None
        sql, arguments = (alone.compiled.sql, alone.arguments) if alone is not None else combined(queued)
        async with adapter._execute_mutex:
            try:
                if alone is not None:
                    counts = [_matched(await _on_asyncpg(adapter, alone.compiled, arguments))]
                else:
                    if adapter._transaction is None:
                        await adapter._start_transaction()
                    counts = list(await adapter._connection.fetchrow(sql, *arguments))
            except Exception as error:
                self._failed = error
                raise translated(error, sql, arguments, adapter, lost=is_gone(adapter._connection)) from error
        try:
            checked(queued, counts)
        except BaseException as error:
            self._failed = error
            raise

    def _queueable(
        self, statement: Executable, bound: tuple[CompiledStatement, tuple[Any, ...]] | None, check: Check | None
    ) -> QueuedWrite | None:
        if bound is None or self.dialect.name != "postgresql":
            return None
        if not isinstance(statement, UpdateBase) or not batchable(bound[0]):
            return None
        return QueuedWrite(str(statement.table), bound[0], bound[1], check)


async def batched_write(
    conn: AsyncConnection, statement: Executable, parameters: Parameters = None, *, check: Check | None = None
) -> None:
    """A write whose result only `check` needs (it gets the rows the write matched, and raises to
    fail the transaction). Inside a PostgreSQL transaction it is queued, and sent with the other
    writes queued when the transaction next executes a statement or commits: one round trip for
    them all, and `check` runs then. Anywhere else it runs, and is checked, at once. A check that
    failed inside a transaction leaves it able only to roll back, even if the caller catches the
    error: a batch's other writes ran with it."""
    if isinstance(conn, DirectConnection):
        await conn.write(statement, parameters, check)
    else:
        _check(await conn.execute(statement, parameters), check)


def _check(result: Result[Any], check: Check | None) -> None:
    if check is not None:
        check(_matched(result))


def _matched(result: Result[Any]) -> int:
    """The rows a write matched: a compiled statement's result counts them (CompiledStatement.result);
    the engine's counts the rows it returns only as they are read, and a buffered one has no count."""
    if isinstance(result, CursorResult) and not result.returns_rows:
        return result.rowcount
    counted: int | None = None if isinstance(result, CursorResult) else getattr(result, "rowcount", None)
    return len(result.all()) if counted is None else counted


async def _on_asyncpg(adapter: Any, compiled: CompiledStatement, arguments: tuple[Any, ...]) -> Result[Any]:
    if adapter._transaction is None:
        await adapter._start_transaction()  # a no-op in autocommit
    return await run_on_asyncpg(adapter._connection, compiled, arguments)


async def run_on_asyncpg(connection: Any, compiled: CompiledStatement, arguments: tuple[Any, ...]) -> Result[Any]:
    """`compiled` on an asyncpg connection: its rows, or the rowcount of a write without RETURNING."""
    if compiled.returns_rows:
        return compiled.result(await connection.fetch(compiled.sql, *arguments))
    matched = _ROWCOUNT.match(await connection.execute(compiled.sql, *arguments) or "")
    return compiled.result([], int(matched.group(1)) if matched else -1)


def sqlite3_of(adapter: Any) -> sqlite3.Connection:
    """The sqlite3 connection under SQLAlchemy's adapter of an aiosqlite connection."""
    connection: sqlite3.Connection = adapter._connection._conn
    return connection


def _on_sqlite3(adapter: Any, compiled: CompiledStatement, arguments: tuple[Any, ...]) -> Result[Any]:
    cursor = sqlite3_of(adapter).cursor()
    try:
        cursor.execute(compiled.sql, arguments)
        rows = cursor.fetchall() if compiled.returns_rows else []
        return compiled.result(rows, cursor.rowcount if not compiled.returns_rows else None)
    finally:
        cursor.close()


class Translation(Protocol):
    """What turns a driver's error into the DBAPI error SQLAlchemy's engine would raise: an
    adapter of SQLAlchemy's (`dbapi`, `_handle_exception`), or `pool_translation`'s stand-in."""

    @property
    def dbapi(self) -> Any: ...

    def _handle_exception(self, error: Exception) -> NoReturn: ...


@dataclasses.dataclass(frozen=True)
class _PoolTranslation:
    dbapi: Any

    def _handle_exception(self, error: Exception) -> NoReturn:
        AsyncAdapt_asyncpg_connection._handle_exception_no_connection(self.dbapi, error)


def pool_translation(dialect: Dialect) -> Translation:
    """The asyncpg adapter's translation, for connections of no adapter (mesh.persistence.direct_pool)."""
    return _PoolTranslation(dialect.loaded_dbapi)


def translated(
    error: Exception, sql: str, arguments: tuple[Any, ...], translation: Translation, *, lost: bool
) -> BaseException:
    """A driver's `error` as the engine would have raised it: translated, wrapped, its values
    hidden, and marked connection_invalidated when the connection is `lost`."""
    dbapi = translation.dbapi
    try:
        translation._handle_exception(error)
    except dbapi.Error as dbapi_error:
        wrapped: BaseException = exc.DBAPIError.instance(
            sql, arguments, dbapi_error, dbapi.Error, hide_parameters=True, connection_invalidated=lost
        )
        return wrapped
    except Exception as other:
        return other
    return error


def is_gone(connection: Any) -> bool:
    """Whether asyncpg `connection` is closed; a pool's connection that its pool took back
    mid-use (asyncpg detaches it when the server ends it) is gone too."""
    try:
        return bool(connection.is_closed())
    except asyncpg.InterfaceError:
        return True
