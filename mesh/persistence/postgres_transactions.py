"""PostgreSQL transactions begun and ended on the driver's connection, not through the engine.

`Database.transaction()` on PostgreSQL checks an engine connection out of the pool, as before,
but sends BEGIN, COMMIT and ROLLBACK on the asyncpg adapter under it. Through the engine's
`begin()` each of them was a greenlet hop into SQLAlchemy's synchronous core and back: measured
in one process, a transaction of a locking read and an update cost 470 µs of CPU through it and
about 400 µs here; a payment commits about four times (bench/hot_path.py, figure 5).

The transaction is the adapter's own (its `_transaction`, the asyncpg Transaction it would have
started itself), so a statement that still goes through the engine (one the compiler does not
know yet, run_sync, DDL) runs inside it: the adapter starts no second one, and the engine's own
transaction marker, which it opens on such a statement, ends with the connection, its rollback
a no-op on an adapter with no transaction. A connection lost mid-transaction is invalidated, so
the pool never hands it out again; an error is raised as the engine would have raised it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.persistence.direct_writes import is_gone, translated

__all__ = ["driven_transaction"]


@contextlib.asynccontextmanager
async def driven_transaction(connection: AsyncConnection) -> AsyncIterator[Any]:
    """A transaction on `connection`'s asyncpg adapter (yielded): committed when the block ends,
    rolled back when it raises."""
    adapter: Any = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    await _sent(connection, adapter, "BEGIN", adapter._start_transaction)
    try:
        yield adapter
    except BaseException:
        await _rolled_back(connection, adapter)
        raise
    if adapter._transaction is not None:
        await _sent(connection, adapter, "COMMIT", lambda: adapter._call_and_discard(adapter._transaction.commit))


async def _sent(connection: AsyncConnection, adapter: Any, sql: str, step: Any) -> None:
    """Run `step`, which sends `sql`; its error as the engine would raise it, the connection
    invalidated when it is gone."""
    try:
        await step()
    except Exception as error:
        lost = is_gone(adapter._connection)
        if lost:
            await connection.invalidate()
        raise translated(error, sql, (), adapter, lost=lost) from error


async def _rolled_back(connection: AsyncConnection, adapter: Any) -> None:
    """Undo the transaction; one whose ROLLBACK fails (the connection broke, the task was
    cancelled mid-statement) goes with its connection, which the pool then drops."""
    if adapter._transaction is None:
        return
    try:
        await adapter._call_and_discard(adapter._transaction.rollback)
    except Exception:
        await connection.invalidate()  # the error that ended the block is the one to raise
    except BaseException:
        await connection.invalidate()
        raise
