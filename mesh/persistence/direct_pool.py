"""Reads of PostgreSQL on asyncpg connections of their own, outside SQLAlchemy's engine.

A read through the engine paid for the engine twice: 74 µs of CPU to check a connection out, set
it to autocommit and hand it back, and 75 µs more per statement than asyncpg itself (see
mesh.persistence.compiled). Reads need none of what the engine adds for writes (no
transaction, no joined context), so `Database.read()` on PostgreSQL checks out an asyncpg pool
connection (a few µs) and runs each compiled statement as one prepared-statement call; asyncpg
keeps the statement prepared on each connection. A statement the compiler does not take runs
through the engine, on a connection opened for it.

The pool connects with the engine's own connect arguments and session settings, so a read sees
the schema (search_path) the writes do.
"""

from __future__ import annotations

import asyncio
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
    """The pool of one PostgreSQL database for statements outside transactions, opened on first use."""

    def __init__(self, engine: AsyncEngine, server_settings: Mapping[str, str], size: int) -> None:
        self._engine = engine
        self._server_settings = dict(server_settings)
        self._size = size
        self._compiler = StatementCompiler(engine.dialect)
        self._engine_statements = EngineStatements(engine)
        self._pool: asyncpg.Pool | None = None

    @contextlib.asynccontextmanager
    async def connection(self, *, writes: bool) -> AsyncIterator[PoolConnection]:
        """A connection for reads, or (`writes`) for statements that commit as they run."""
        pool = self._pool or await self._open()
        async with pool.acquire() as connection:
            yield PoolConnection(connection, self._compiler, self._engine_statements, writes=writes)

    async def _open(self) -> asyncpg.Pool:
        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        kwargs = {key: value for key, value in kwargs.items() if key in _CONNECT_ARGUMENTS}
        pool = await asyncpg.create_pool(
            *args,
            **kwargs,
            server_settings=self._server_settings,
            min_size=1,
            max_size=self._size,
            reset=_keep_session,
            max_inactive_connection_lifetime=0,  # no timer armed at every release
        )
        if self._pool is not None:  # another read opened it meanwhile
            await pool.close()
            return self._pool
        self._pool = pool
        return pool

    async def dispose(self) -> None:
        """Close the pool once its connections are back; cut off any still out after a while."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), _CLOSE_SECONDS)
            except TimeoutError:
                pool.terminate()


_CLOSE_SECONDS = 10.0


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """On release, asyncpg would reset the session (a round trip each time); no statement here
    changes it: no SET, no LISTEN, no advisory lock outside a transaction."""


# What asyncpg.connect takes of the engine's connect arguments (SQLAlchemy adds its own).
_CONNECT_ARGUMENTS = frozenset(
    {"host", "port", "user", "password", "database", "passfile", "ssl", "direct_tls", "timeout", "command_timeout"}
)
