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
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Result, ScalarResult, create_engine, event
from sqlalchemy.engine import URL, Connection, Dialect
from sqlalchemy.sql import Executable

__all__ = ["InlineReader", "InlineReads"]

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None

# A WAL reader waits only in rare moments (another connection recovering the WAL after a crash);
# bounded, since the loop waits with it.
READ_BUSY_TIMEOUT_MS = 2_000


class InlineReader:
    """What a read does with AsyncConnection (execute, scalar, scalars, dialect), answered at once."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    def in_transaction(self) -> bool:
        return False  # every statement is its own implicit transaction

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Result[Any]:
        return self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
        return self._connection.scalar(statement, parameters)

    async def scalars(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> ScalarResult[Any]:
        return self._connection.scalars(statement, parameters)


class InlineReads:
    """A pool of read-only sqlite3 connections to the database file at `url`."""

    def __init__(self, url: URL) -> None:
        self._engine: Engine = create_engine(url.set(drivername="sqlite"))
        event.listen(self._engine, "connect", _configure_reader)

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[InlineReader]:
        with self._engine.connect() as connection:
            yield InlineReader(connection)

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
