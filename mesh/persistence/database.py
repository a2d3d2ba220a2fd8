"""One handle on a service's own database: engine, transactions, and the active connection.

A service talks to exactly one database, SQLite (the embedded default, zero set-up) or
PostgreSQL (production and CI), through SQLAlchemy's async engine. Every write goes through
`Database.transaction()`, which commits on normal exit and rolls back on any exception. The
open connection is published in a context variable so that helpers called inside a handler's
transaction (outbox, inbox, idempotency records) write in that same transaction, and a nested
`transaction()` in the same task joins the outer one instead of opening a second.

Reads use `read()`: autocommit statements that never take SQLite's write lock (WAL lets readers
run beside the one writer) and cost PostgreSQL no BEGIN/COMMIT round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from mesh.persistence.compiled import StatementCompiler
from mesh.persistence.direct_pool import DirectPool
from mesh.persistence.direct_writes import DirectConnection, sqlite3_of
from mesh.persistence.inline_reads import InlineReads
from mesh.persistence.postgres_transactions import driven_transaction
from mesh.persistence.sqlite_writer import AUTOCOMMIT_OPTION, SqliteWriter, begin_immediate_inline

__all__ = ["Database", "PoolSettings", "current_connection", "is_connection_lost", "is_unique_violation"]

SQLITE_DRIVER = "sqlite+aiosqlite"
# asyncpg, not psycopg: measured on the payments hot path (bench/hot_path.py), psycopg's async
# waiting (a reader registered and removed per statement) cost a quarter of the server's CPU.
POSTGRESQL_DRIVER = "postgresql+asyncpg"
# A writer waits this long for SQLite's write lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WAL_SWITCH_ATTEMPTS = 5
# A database error's text leaves out the statement's values: errors are logged, and values are
# tenants' data (a cardholder's name, a vault row's fingerprint).
HIDE_PARAMETERS = True

_POSTGRESQL_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE_VIOLATIONS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """Connection pools of a PostgreSQL database: the engine's, for writes and transactions, and
    the one of reads and single statements (`direct_size`, mesh.persistence.direct_pool).

    Defaults measured with bench/hot_path.py on 2 cores: 20 + 10 overflow serves 64 concurrent
    callers without queueing on the pool now that no transaction spans a network call; 10 read
    connections serve 64 concurrent GetPaymentIntent callers (a read holds one for one round trip)."""

    size: int = 20
    max_overflow: int = 10
    direct_size: int = 10  # connections of statements outside transactions (mesh.persistence.direct_pool)
    timeout_seconds: float = 10.0
    pre_ping: bool = False  # a round trip per checkout; stale connections surface as retryable errors


@dataclasses.dataclass(frozen=True)
class _Active:
    """The transaction a task has open on a database."""

    database: Database
    connection: AsyncConnection
    task: asyncio.Task[Any] | None


# The transactions open in this context, innermost last. A child task inherits the tuple but
# none of its entries: each entry names the task that owns it.
_active: contextvars.ContextVar[tuple[_Active, ...]] = contextvars.ContextVar("mesh_transactions", default=())


@contextlib.contextmanager
def _entered(active: _Active) -> Iterator[None]:
    token = _active.set((*_active.get(), active))
    try:
        yield
    finally:
        try:
            _active.reset(token)
        except ValueError:
            # Ended from another task's context: a guarded request's last phase, committed by
            # the shielded task a cancelled request gives up from. That context loses the entry;
            # the ending one, whose request is over, keeps it unused.
            _active.set(tuple(entry for entry in _active.get() if entry is not active))


class Database:
    """A service's database: build it with `Database.from_url`, write through `transaction()`."""

    def __init__(
        self,
        engine: AsyncEngine,
        url: str | None = None,
        inline_reads: InlineReads | None = None,
        direct_pool: DirectPool | None = None,
    ) -> None:
        self._engine = engine
        self._inline_reads = inline_reads
        self._direct_pool = direct_pool
        # SQLite: the process's writers take turns, and commit in groups (mesh.persistence.sqlite_writer).
        self._sqlite_writer = SqliteWriter(engine, SQLITE_BUSY_TIMEOUT_MS) if self.dialect == "sqlite" else None
        self._write_compiler = StatementCompiler(engine.dialect)
        self._url = url if url is not None else engine.url.render_as_string(hide_password=False)

    @classmethod
    def from_url(cls, url: str, pool: PoolSettings = PoolSettings()) -> Database:
        """A Database on `sqlite+aiosqlite:///path` or `postgresql+asyncpg://…`; other URLs are refused."""
        parsed = make_url(url)
        if parsed.drivername == SQLITE_DRIVER:
            return cls(_sqlite_engine(parsed), url, InlineReads(parsed))
        if parsed.drivername == POSTGRESQL_DRIVER:
            parsed, server_settings = _server_settings(parsed)
            engine = create_async_engine(
                parsed,
                hide_parameters=HIDE_PARAMETERS,
                pool_size=pool.size,
                max_overflow=pool.max_overflow,
                pool_timeout=pool.timeout_seconds,
                pool_pre_ping=pool.pre_ping,
                connect_args={"server_settings": server_settings},
            )
            return cls(engine, url, direct_pool=DirectPool(engine, server_settings, pool.direct_size))
        raise ValueError(
            f"unsupported database URL scheme {parsed.drivername!r}: use {SQLITE_DRIVER}:///path "
            f"or {POSTGRESQL_DRIVER}://user@host/database"
        )

    @property
    def url(self) -> str:
        """The URL this database was opened with (another process can open it the same way)."""
        return self._url

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """An explicit transaction: commit on normal exit, rollback on any exception.

        Inside a transaction of this database opened by the same task, this joins it: no new
        transaction, and only the outermost block commits. An exception raised inside a joined
        block and caught before it leaves the outer block does not undo the inner writes.
        On SQLite the transaction holds the process's one writer from its start, and commits in
        a group with the transactions queued behind it (mesh.persistence.sqlite_writer): keep it
        short, and never await another task's transaction on the same database from inside it.
        """
        task = asyncio.current_task()
        joined = _innermost(task, self)
        if joined is not None:
            with _entered(_Active(self, joined, task)):
                yield joined
            return
        async with self._new_transaction() as (connection, adapter):
            direct = DirectConnection(connection, self._write_compiler, adapter=adapter)
            with _entered(_Active(self, cast(AsyncConnection, direct), task)):
                yield cast(AsyncConnection, direct)
            await direct.send_queued()  # inside the transaction: a failed check rolls it back

    @contextlib.asynccontextmanager
    async def _new_transaction(self) -> AsyncIterator[tuple[AsyncConnection, Any]]:
        """An engine connection and the driver adapter under it, in a transaction this database
        begins and ends on the adapter itself."""
        if self._sqlite_writer is not None:
            async with self._sqlite_writer.transaction() as turn:
                yield turn.connection, turn.adapter
            return
        async with self._engine.connect() as connection, driven_transaction(connection) as adapter:
            yield connection, adapter

    def read(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        """Reads: no write lock, no BEGIN/COMMIT round trips, nothing to commit.

        Each statement runs in its own implicit transaction (autocommit), so it sees a consistent
        snapshot of what was committed when it started; reads that must agree with each other
        belong in one statement, or in a `transaction()`. Inside a `transaction()` of the same
        task it joins that one (its reads see its writes). Otherwise the statements skip the
        engine: on SQLite they run on the loop's own thread (mesh.persistence.inline_reads), on
        PostgreSQL on asyncpg connections of their own (mesh.persistence.direct_pool). Either
        connection answers execute(), scalar() and scalars(), which is all reads use (hence the
        casts). Use it at once, `async with db.read() as conn`: it decides when called."""
        if _innermost(asyncio.current_task(), self) is None:
            if self._inline_reads is not None:
                return cast(contextlib.AbstractAsyncContextManager[AsyncConnection], self._inline_reads.reader())
            if self._direct_pool is not None:
                return cast(
                    contextlib.AbstractAsyncContextManager[AsyncConnection], self._direct_pool.connection(writes=False)
                )
        return self._autocommit()

    @contextlib.asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """One write that is atomic on its own (a single INSERT … RETURNING, an UPDATE): it
        commits as it runs, with none of a transaction's BEGIN/COMMIT round trips. Two writes
        that must commit together belong in a `transaction()`; inside one, this joins it. On
        PostgreSQL it runs on a connection of the direct pool (mesh.persistence.direct_pool)."""
        if _innermost(asyncio.current_task(), self) is None:
            if self._direct_pool is not None:
                async with self._direct_pool.connection(writes=True) as direct:
                    yield cast(AsyncConnection, direct)
                return
            if self.dialect == "sqlite":
                # A transaction of one statement: BEGIN runs on the loop's thread and COMMIT is
                # one hand-off to aiosqlite's thread, where the engine's autocommit statement
                # took four (cursor, execute, close, reset), each holding the process's writer.
                async with self.transaction() as connection:
                    yield connection
                return
        async with self._autocommit() as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[AsyncConnection]:
        joined = _innermost(asyncio.current_task(), self)
        if joined is not None:
            yield joined
            return
        async with self._turn_to_write(), self._engine.connect() as connection:
            if self.dialect == "postgresql":
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            else:  # the driver is in autocommit already (see _configure_sqlite_connection): no BEGIN
                connection = await connection.execution_options(**{AUTOCOMMIT_OPTION: True})
            yield connection

    def _turn_to_write(self) -> contextlib.AbstractAsyncContextManager[None]:
        return self._sqlite_writer.turn() if self._sqlite_writer is not None else contextlib.nullcontext()

    async def dispose(self) -> None:
        """Close every pooled connection: call it at shutdown, after the last transaction."""
        await self._engine.dispose()
        if self._direct_pool is not None:
            await self._direct_pool.dispose()
        if self._inline_reads is not None:
            self._inline_reads.dispose()


def current_connection() -> AsyncConnection | None:
    """The connection of the innermost transaction the current task has open, if any.

    A task started from inside a transaction inherits the context but not the transaction: it
    gets None here, since one connection must never be used by two tasks at once.
    """
    return _innermost(asyncio.current_task()) if _active.get() else None


def _innermost(task: asyncio.Task[Any] | None, database: Database | None = None) -> AsyncConnection | None:
    for active in reversed(_active.get()):
        if active.task is task and (database is None or active.database is database):
            return active.connection
    return None


def is_unique_violation(error: BaseException) -> bool:
    """True when `error` is a unique or primary-key IntegrityError, on SQLite or PostgreSQL."""
    if not isinstance(error, exc.IntegrityError):
        return False
    driver_error = error.orig
    if isinstance(driver_error, exc.EmulatedDBAPIException) and driver_error.orig is not None:
        driver_error = driver_error.orig
    sqlstate: str | None = getattr(driver_error, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == _POSTGRESQL_UNIQUE_VIOLATION
    errorname: str | None = getattr(driver_error, "sqlite_errorname", None)
    return errorname in _SQLITE_UNIQUE_VIOLATIONS


def is_connection_lost(error: BaseException) -> bool:
    """True when `error` is a database error of a connection that is gone (the server restarted,
    the connection was cut): the statement may be retried on another, the database may be back."""
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


def _server_settings(url: URL) -> tuple[URL, dict[str, str]]:
    """libpq's `options=-c name=value …` query parameter (a schema's search_path, say), which
    asyncpg does not take, as the session settings asyncpg sends when it connects."""
    options = url.query.get("options")
    if options is None:
        return url, {}
    if not isinstance(options, str):
        raise ValueError("the database URL has more than one options= parameter")
    words = options.replace("-c ", "-c").split()
    if not all(word.startswith("-c") and "=" in word for word in words):
        raise ValueError("the database URL's options= takes only -c name=value settings")
    settings = dict(word.removeprefix("-c").split("=", 1) for word in words)
    return url.difference_update_query(["options"]), settings


def _sqlite_engine(url: URL) -> AsyncEngine:
    if url.database in (None, "", ":memory:"):
        # An in-memory database lives on one shared connection: concurrent transactions would
        # interleave on it. Tests use a file under tmp_path instead.
        raise ValueError("SQLite needs a file path (sqlite+aiosqlite:///path/to/file.db), not :memory:")
    # The pool's reset of a returned connection is _reset_sqlite_connection's, on the loop's
    # thread: the default, a rollback handed to aiosqlite's thread and back, ran after every
    # transaction while the process's writer was still held.
    engine = create_async_engine(url, hide_parameters=HIDE_PARAMETERS, pool_reset_on_return=None)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    event.listen(engine.sync_engine, "reset", _reset_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 driver, which would otherwise start
    # transactions lazily (and not at all for SELECT or DDL); _begin_immediate emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: the next may wait
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # a commit survives power loss, not only a crash
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    # WAL: readers never block the writer, nor it them. Two connections switching a new file at once both
    # hold a read lock and want the write lock; SQLite fails one at once instead of letting it
    # wait. Its next try waits (busy_timeout) for the other to finish, then finds WAL set.
    for attempt in range(1, _WAL_SWITCH_ATTEMPTS + 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorname != "SQLITE_BUSY" or attempt == _WAL_SWITCH_ATTEMPTS:
                raise


def _begin_immediate(connection: Any) -> None:
    if connection.get_execution_options().get(AUTOCOMMIT_OPTION):
        return  # each statement on its own: a reader never waits for the write lock, a writer only while it writes
    # Take the write lock up front. A deferred transaction that reads first and then writes
    # cannot wait for the lock (SQLite would deadlock), so it fails at once with "database is
    # locked"; BEGIN IMMEDIATE instead queues for busy_timeout.
    # First on the loop's thread without waiting (mesh.persistence.sqlite_transactions); only a
    # lock another process holds is waited for on aiosqlite's thread, where it blocks no one else.
    if not begin_immediate_inline(sqlite3_of(connection.connection.dbapi_connection), SQLITE_BUSY_TIMEOUT_MS):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _reset_sqlite_connection(dbapi_connection: Any, _record: Any, _state: Any) -> None:
    # A connection comes back with its transaction ended, unless its COMMIT or ROLLBACK failed:
    # then a rollback here frees the write lock it would otherwise keep. (No I/O: a WAL rollback
    # only forgets the pages it wrote.)
    raw = sqlite3_of(dbapi_connection)
    if raw.in_transaction:
        raw.rollback()
