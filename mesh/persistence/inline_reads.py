"""Reads of the embedded default (SQLite) on the event loop's own thread.

aiosqlite runs every call of a connection on a thread of its own, so a primary-key read is five
hand-offs (cursor, execute, fetch, close, reset on return), each a wake-up of the loop through its
self-pipe and a trip through the GIL: together they cost several times the read itself
(bench/hot_path.py, GetPaymentIntent on SQLite). In WAL mode a reader never waits for the writer,
so a read can run inline, in microseconds. Writes stay on aiosqlite's connections: a writer may
wait for SQLite's write lock, and that wait must never block the loop (mesh.persistence.direct_writes
runs a transaction's statements inline only once BEGIN IMMEDIATE holds the lock).

The connections here are plain sqlite3 connections, kept for the next read rather than checked
out of SQLAlchemy's pool (its checkout and return cost more than a compiled read), and read-only
(`PRAGMA query_only`): a write sent through one fails instead of taking the lock from the loop's
thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Engine, Result, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.sql import Executable

from mesh.persistence.compiled import Parameters, Reader, StatementCompiler, buffered

__all__ = ["InlineReader", "InlineReads"]


# A WAL reader waits only in rare moments (another connection recovering the WAL after a crash);
# bounded, since the loop waits with it.
READ_BUSY_TIMEOUT_MS = 2_000


class InlineReader(Reader):
    """Reads answered at once: a statement the compiler knows runs on the sqlite3 connection
    itself (mesh.persistence.compiled), any other through the engine."""

    def __init__(self, connection: sqlite3.Connection, compiler: StatementCompiler, engine: Engine) -> None:
        super().__init__(compiler)
        self._connection = connection
        self._engine = engine

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Result[Any]:
        bound = self._compiler.bind(statement, parameters, reads_only=True)
        if bound is None:
            with self._engine.connect() as connection:
                return buffered(connection.execute(statement, parameters))
        compiled, arguments = bound
        cursor = self._connection.cursor()
        try:
            return compiled.result(cursor.execute(compiled.sql, arguments).fetchall())
        finally:
            cursor.close()


class InlineReads:
    """Read-only sqlite3 connections to the database file at `url`, kept for the next read (all
    on the loop's thread), and an engine for the statements the compiler leaves to SQLAlchemy."""

    def __init__(self, url: URL) -> None:
        self._path = url.database or ""
        self._engine: Engine = create_engine(url.set(drivername="sqlite"), hide_parameters=True)  # see database.py
        self._compiler = StatementCompiler(self._engine.dialect)
        event.listen(self._engine, "connect", _configure_reader)
        self._idle: list[sqlite3.Connection] = []

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[InlineReader]:
        connection = self._idle.pop() if self._idle else self._connect()
        try:
            yield InlineReader(connection, self._compiler, self._engine)
        finally:
            self._idle.append(connection)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path)
        _configure_reader(connection, None)
        return connection

    def dispose(self) -> None:
        while self._idle:
            self._idle.pop().close()
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
