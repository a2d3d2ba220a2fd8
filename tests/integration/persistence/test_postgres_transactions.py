"""PostgreSQL transactions driven on the asyncpg adapter (mesh.persistence.postgres_transactions):
what the engine's begin() did, they still do — engine statements join them, a lost connection is
dropped from the pool and reported as lost, an error that ends one rolls all of it back."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy import exc, insert

from mesh.persistence import (
    Database,
    idempotency_records,
    is_connection_lost,
    is_unique_violation,
)
from tests.integration.persistence.records import count_records, record
from tests.waiting import eventually

BACKEND_PID = sa.select(sa.func.pg_backend_pid())
TERMINATE = sa.select(sa.func.pg_terminate_backend(sa.bindparam("pid")))
SLEEPING = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
    " AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid()"
)


async def scalar_from_outside(url: str, statement: sa.Executable, parameters: dict[str, object] | None = None):
    """`statement`'s value, read through a database handle of its own: its pool can hand out none
    of the connections the test's transactions use."""
    other = Database.from_url(url)
    try:
        async with other.read() as reader:
            return await reader.scalar(statement, parameters)
    finally:
        await other.dispose()


class Boom(Exception):
    """Raised by a test to abort a transaction."""


# PostgreSQL only: the shared database fixture, its SQLite parameter left out.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_a_statement_the_engine_runs_belongs_to_the_transaction(database: Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction() as conn:
            # text() is never compiled by the runtime: the engine runs it, on the same connection.
            await conn.execute(
                sa.text(
                    "INSERT INTO idempotency_records (tenant, method, request_id, fingerprint, created_at, "
                    "expires_at, recovery_point) VALUES ('t', 'm', 'engine', 'fp', now(), now(), 'started')"
                )
            )
            await conn.execute(insert(idempotency_records), record())
            raise Boom

    assert await count_records(database) == 0


async def test_engine_and_compiled_statements_commit_together(database: Database) -> None:
    for _ in range(3):  # from the second sighting the runtime's compiler runs the insert itself
        async with database.transaction() as conn:
            await conn.execute(sa.text("SELECT 1"))
            await conn.execute(insert(idempotency_records), record())

    assert await count_records(database) == 3


async def test_a_connection_killed_mid_transaction_is_lost_and_never_handed_out_again(database: Database) -> None:
    victims = set()
    with pytest.raises(exc.DBAPIError) as raised:
        async with database.transaction() as conn:
            pid = await conn.scalar(BACKEND_PID)
            victims.add(pid)
            await conn.execute(insert(idempotency_records), record())
            async with database.read() as reader:
                assert await reader.scalar(TERMINATE, {"pid": pid})
            await conn.execute(insert(idempotency_records), record())

    assert is_connection_lost(raised.value)
    for _ in range(3):  # the pool's next connections are live ones, and not the one that was killed
        async with database.transaction() as conn:
            assert await conn.scalar(BACKEND_PID) not in victims
            await conn.execute(insert(idempotency_records), record())
    assert await count_records(database) == 3


async def test_a_commit_that_fails_is_raised_as_the_engine_raises_it_and_keeps_nothing(database: Database) -> None:
    deferred = sa.Table(
        "deferred_unique",
        sa.MetaData(),
        sa.Column("v", sa.Integer),
        sa.UniqueConstraint("v", deferrable=True, initially="DEFERRED"),
    )
    async with database.engine.begin() as conn:
        await conn.run_sync(deferred.metadata.create_all)
    with pytest.raises(exc.IntegrityError) as raised:
        async with database.transaction() as conn:
            await conn.execute(insert(idempotency_records), record())
            await conn.execute(insert(deferred), [{"v": 1}, {"v": 1}])  # checked only at COMMIT

    assert is_unique_violation(raised.value)
    assert await count_records(database) == 0
    async with database.read() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(deferred)) == 0


async def test_a_pooled_connection_killed_while_idle_fails_its_begin_as_lost_and_the_next_one_works(
    database: Database,
) -> None:
    async with database.transaction() as conn:
        pid = await conn.scalar(BACKEND_PID)  # this connection goes back to the pool, idle
    assert await scalar_from_outside(database.url, TERMINATE, {"pid": pid})

    with pytest.raises(exc.DBAPIError) as raised:
        async with database.transaction() as conn:  # BEGIN is the first thing sent on it
            await conn.execute(insert(idempotency_records), record())

    assert is_connection_lost(raised.value)
    async with database.transaction() as conn:
        assert await conn.scalar(BACKEND_PID) != pid
        await conn.execute(insert(idempotency_records), record())
    assert await count_records(database) == 1


async def test_a_transaction_cancelled_mid_statement_keeps_nothing_and_the_pool_goes_on(database: Database) -> None:
    sleeping = asyncio.Event()  # set just before the statement is sent

    async def write_then_sleep_in_the_database() -> None:
        async with database.transaction() as conn:
            await conn.execute(insert(idempotency_records), record())
            sleeping.set()
            await conn.execute(sa.select(sa.func.pg_sleep(30)))

    task = asyncio.create_task(write_then_sleep_in_the_database())
    await sleeping.wait()
    await eventually(lambda: scalar_from_outside(database.url, SLEEPING), "the transaction's pg_sleep running")
    task.cancel()  # mid-statement
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await count_records(database) == 0
    for _ in range(3):
        async with database.transaction() as conn:
            await conn.execute(insert(idempotency_records), record())
    assert await count_records(database) == 3
