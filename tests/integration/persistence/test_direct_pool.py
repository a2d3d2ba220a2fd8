"""The PostgreSQL pool of reads and single statements (mesh.persistence.direct_pool): more callers
than connections all get served in turn with never more than its size open; a caller that gives
up while waiting costs no connection; a connection the server ended is replaced; dispose() waits
for a connection still out, then closes it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from mesh.persistence import Database, PoolSettings

SIZE = 2
BACKEND_PID = sa.select(sa.func.pg_backend_pid())
TERMINATE = sa.select(sa.func.pg_terminate_backend(sa.bindparam("pid")))
SLEEP = sa.select(sa.func.pg_sleep(0))


@pytest.fixture
async def db(postgres_schema_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(postgres_schema_url, PoolSettings(direct_size=SIZE))
    for _ in range(2):  # a statement's first run goes through the engine; from the second, the pool's
        async with database.read() as conn:
            await conn.scalar(BACKEND_PID)
    yield database
    await database.dispose()


async def backends(db: Database) -> set[int]:
    """The pool's connections, by backend pid, as they serve reads (each read holds one)."""
    async with db.read() as conn:
        return {await conn.scalar(BACKEND_PID)}


async def test_more_callers_than_connections_are_served_in_turn_on_at_most_size_connections(db: Database) -> None:
    held, release = asyncio.Event(), asyncio.Event()
    seen: set[int] = set()

    async def reader(hold: bool) -> None:
        async with db.read() as conn:
            seen.add(await conn.scalar(BACKEND_PID))
            if hold:
                held.set()
                await release.wait()

    holders = [asyncio.create_task(reader(hold=True)) for _ in range(SIZE)]
    await held.wait()
    waiters = [asyncio.create_task(reader(hold=False)) for _ in range(20)]
    for _ in range(20):  # loop turns in which a waiter would get a connection if one were free
        await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    release.set()
    await asyncio.gather(*holders, *waiters)

    assert len(seen) <= SIZE


async def test_a_caller_that_gives_up_waiting_costs_no_connection(db: Database) -> None:
    held, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.read() as conn:
            await conn.scalar(SLEEP)
            held.set()
            await release.wait()

    holders = [asyncio.create_task(holder()) for _ in range(SIZE)]
    await held.wait()
    gave_up = asyncio.create_task(backends(db))
    await asyncio.sleep(0)
    gave_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gave_up
    release.set()
    await asyncio.gather(*holders)

    # Every connection is back: SIZE callers at once are served, none waits for a lost slot.
    pids = await asyncio.wait_for(asyncio.gather(*(backends(db) for _ in range(SIZE))), 10)
    assert len(set().union(*pids)) <= SIZE


async def test_a_connection_the_server_ended_is_replaced(db: Database) -> None:
    first = await backends(db)
    async with db.transaction() as conn:  # the engine's connection, not one of the pool's
        for pid in first:
            await conn.scalar(TERMINATE, {"pid": pid})
    for _ in range(2):
        try:  # the first read may meet the ended connection, and says so
            after = await backends(db)
            break
        except sa.exc.DBAPIError as error:
            assert error.connection_invalidated
    assert after and after.isdisjoint(first)


async def test_dispose_waits_for_a_connection_still_out(db: Database) -> None:
    inside, leave = asyncio.Event(), asyncio.Event()
    answered: list[int] = []

    async def reader() -> None:
        async with db.read() as conn:
            inside.set()
            await leave.wait()
            answered.append(await conn.scalar(BACKEND_PID))

    reading = asyncio.create_task(reader())
    await inside.wait()
    disposing = asyncio.create_task(db.dispose())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not disposing.done()  # the read is still out
    leave.set()
    await asyncio.gather(reading, disposing)

    assert len(answered) == 1  # the read finished on its connection before it was closed
