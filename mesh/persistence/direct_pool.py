"""Reads of PostgreSQL on asyncpg connections of their own, outside SQLAlchemy's engine.

A read through the engine paid for the engine twice: 74 µs of CPU to check a connection out, set
it to autocommit and hand it back, and 75 µs more per statement than asyncpg itself (see
mesh.persistence.compiled). Reads need none of what the engine adds for writes (no
transaction, no joined context), so `Database.read()` on PostgreSQL takes a connection of its
own pool (DirectPool) and runs each compiled statement as one prepared-statement call; asyncpg
keeps the statement prepared on each connection. A statement the compiler does not take runs
through the engine, on a connection opened for it.

The pool connects with the engine's own connect arguments and session settings, so a read sees
the schema (search_path) the writes do.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import asyncpg
from sqlalchemy import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from mesh.persistence.compiled import Parameters, Reader, StatementCompiler, buffered
from mesh.persistence.direct_writes import is_gone, pool_translation, run_on_asyncpg, translated

__all__ = ["DirectPool", "PoolConnection"]


class PoolConnection(Reader):
    """One asyncpg connection of the pool: a statement the compiler knows is one prepared-statement
    call, any other goes through the engine. Writes only when checked out for `statement()`."""

    def __init__(
        self, connection: asyncpg.Connection, compiler: StatementCompiler, engine: EngineStatements, *, writes: bool
    ) -> None:
        super().__init__(compiler)
        self._connection = connection
        self._engine = engine
        self._writes = writes

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Result[Any]:
        bound = self._compiler.bind(statement, parameters, reads_only=not self._writes)
        if bound is None:
            async with self._engine() as connection:
                return buffered(await connection.execute(statement, parameters))
        compiled, arguments = bound
        try:
            return await run_on_asyncpg(self._connection, compiled, arguments)
        except Exception as error:
            raise translated(
                error, compiled.sql, arguments, pool_translation(self.dialect), lost=is_gone(self._connection)
            ) from error


class EngineStatements:
    """Opens an autocommit engine connection for a statement the compiler leaves to SQLAlchemy."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")


class DirectPool:
    """The connections of one PostgreSQL database for statements outside transactions, opened
    as they are first needed, at most `size`.

    Its own few lines rather than asyncpg's Pool: that one releases a connection through
    asyncio.shield, a task of its own and another turn of the loop for every read, and hands out
    a proxy whose every call is wrapped; measured in one process, a primary-key read cost 105 µs
    of CPU through it against 66 µs on the connection itself. These connections need none of
    what it adds: no session state to reset (nothing here sets any), no setup, no idle timers."""

    def __init__(self, engine: AsyncEngine, server_settings: Mapping[str, str], size: int) -> None:
        self._engine = engine
        self._server_settings = dict(server_settings)
        self._size = size
        self._compiler = StatementCompiler(engine.dialect)
        self._engine_statements = EngineStatements(engine)
        self._idle: list[asyncpg.Connection] = []
        self._open: set[asyncpg.Connection] = set()
        self._opening = 0  # connections being opened, counted against `size`
        # Callers waiting for a connection: each gets one handed over, or None to open its own.
        self._waiting: collections.deque[asyncio.Future[asyncpg.Connection | None]] = collections.deque()
        self._closed = False
        self._returned = asyncio.Event()  # a connection came back after dispose() began

    def connection(self, *, writes: bool) -> _Checkout:
        """A connection for reads, or (`writes`) for statements that commit as they run."""
        return _Checkout(self, writes)

    async def _acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise RuntimeError("the database was disposed of")
        while self._idle:
            connection = self._idle.pop()
            if not connection.is_closed():
                return connection
            self._open.discard(connection)  # lost while idle (the server restarted): open another
        if len(self._open) + self._opening >= self._size:
            waiting = asyncio.get_running_loop().create_future()
            self._waiting.append(waiting)
            try:
                handed = await waiting
            except BaseException:
                if waiting.done() and not waiting.cancelled() and waiting.result() is not None:
                    self._release(waiting.result())  # handed over as we gave up: pass it on
                elif waiting.done() and not waiting.cancelled():
                    self._pass_on_slot()
                else:
                    with contextlib.suppress(ValueError):  # a release may have skipped it already
                        self._waiting.remove(waiting)
                raise
            if handed is not None:
                return handed
        return await self._connect()

    async def _connect(self) -> asyncpg.Connection:
        self._opening += 1
        try:
            args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
            kwargs = {key: value for key, value in kwargs.items() if key in _CONNECT_ARGUMENTS}
            connection = await asyncpg.connect(*args, **kwargs, server_settings=self._server_settings)
        except BaseException:
            self._pass_on_slot()
            raise
        finally:
            self._opening -= 1
        self._open.add(connection)
        return connection

    def _release(self, connection: asyncpg.Connection) -> None:
        if connection.is_closed() or self._closed:
            self._open.discard(connection)
            if not connection.is_closed():
                connection.terminate()  # disposed of meanwhile: its statement is over, close it
            self._returned.set()
            self._pass_on_slot()
            return
        while self._waiting:
            waiting = self._waiting.popleft()
            if not waiting.done():
                waiting.set_result(connection)
                return
        self._idle.append(connection)

    def _pass_on_slot(self) -> None:
        """A connection fewer is open: the next waiter, if any, opens its own."""
        while self._waiting:
            waiting = self._waiting.popleft()
            if not waiting.done():
                waiting.set_result(None)
                return

    async def dispose(self) -> None:
        """Close the idle connections, and those still out as they come back; after a while, cut
        off any still out."""
        self._closed = True
        for waiting in self._waiting:
            if not waiting.done():
                waiting.set_exception(RuntimeError("the database was disposed of"))
        self._waiting.clear()
        idle, self._idle = self._idle, []
        self._open.difference_update(idle)
        loop = asyncio.get_running_loop()
        ends = loop.time() + _CLOSE_SECONDS
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(ends):
                await asyncio.gather(*(c.close() for c in idle), return_exceptions=True)
                while self._open:
                    self._returned.clear()
                    await self._returned.wait()
        for connection in list(self._open):  # still out: their statements end with the connection
            connection.terminate()
        self._open.clear()


class _Checkout:
    """`async with pool.connection(…) as conn`: a class, not a generator, on every read's path."""

    __slots__ = ("_pool", "_writes", "_connection")

    def __init__(self, pool: DirectPool, writes: bool) -> None:
        self._pool, self._writes = pool, writes

    async def __aenter__(self) -> PoolConnection:
        self._connection = await self._pool._acquire()
        pool = self._pool
        return PoolConnection(self._connection, pool._compiler, pool._engine_statements, writes=self._writes)

    async def __aexit__(self, *exc_info: object) -> None:
        self._pool._release(self._connection)


_CLOSE_SECONDS = 10.0


# What asyncpg.connect takes of the engine's connect arguments (SQLAlchemy adds its own).
_CONNECT_ARGUMENTS = frozenset(
    {"host", "port", "user", "password", "database", "passfile", "ssl", "direct_tls", "timeout", "command_timeout"}
)
