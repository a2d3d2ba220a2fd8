"""Reads of the embedded default (SQLite) on the event loop's own thread.

aiosqlite runs every call of a connection on a thread of its own, so a primary-key read is five
hand-offs (cursor, execute, fetch, close, reset on return), each a wake-up of the loop through its
self-pipe and a trip through the GIL: together they cost several times the read itself
(bench/hot_path.py, GetPaymentIntent on SQLite). In WAL mode a reader never waits for the writer,
so a read can run inline, in microseconds. Writes stay on aiosqlite: a writer may wait for SQLite's
write lock, and that wait must never block the loop.

The connections here are read-only (`PRAGMA query_only`): a write sent through one fails instead of
taking the lock from the loop's thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Engine, Result, create_engine, event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.sql import Executable

from mesh.persistence.compiled import Parameters, Reader, StatementCompiler

__all__ = ["InlineReader", "InlineReads"]


# A WAL reader waits only in rare moments (another connection recovering the WAL after a crash);
# bounded, since the loop waits with it.
READ_BUSY_TIMEOUT_MS = 2_000


class InlineReader(Reader):
    """Reads answered at once: a statement the compiler knows runs on the sqlite3 connection
    itself (mesh.persistence.compiled), any other through the engine's sync connection."""

    def __init__(self, connection: Connection, compiler: StatementCompiler) -> None:
        super().__init__(compiler)
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Result[Any]:
        compiled = (
            None if isinstance(parameters, Sequence) else self._compiler.lookup(statement, parameters, reads_only=True)
        )
        if compiled is None or isinstance(parameters, Sequence):  # (the second only narrows the type)
            return self._connection.execute(statement, parameters)
        cursor = self._connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return compiled.result(cursor.execute(compiled.sql, compiled.arguments(parameters)).fetchall())
        finally:
            cursor.close()


class InlineReads:
    """A pool of read-only sqlite3 connections to the database file at `url`."""

    def __init__(self, url: URL) -> None:
        self._engine: Engine = create_engine(url.set(drivername="sqlite"))
        self._compiler = StatementCompiler(self._engine.dialect)
        event.listen(self._engine, "connect", _configure_reader)

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[InlineReader]:
        with self._engine.connect() as connection:
            yield InlineReader(connection, self._compiler)

    def dispose(self) -> None:
        self._engine.dispose()


def _configure_reader(dbapi_connection: Any, _record: Any) -> None:
    # No implicit transactions (each SELECT sees what was committed when it started), no writes.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only=ON")
    finally:
        cursor.close()
