"""Database.transaction on SQLite and PostgreSQL: commit, rollback, nesting, the current connection."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, select

from mesh.persistence import Database, current_connection, idempotency_records
from tests.integration.persistence.records import count_records, record


class Boom(Exception):
    """Raised by a test to abort a transaction."""


async def test_transaction_commits_on_normal_exit(database: Database) -> None:
    async with database.transaction() as connection:
        await connection.execute(insert(idempotency_records), [record(), record()])

    assert await count_records(database) == 2


async def test_transaction_rolls_back_everything_on_exception(database: Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction() as connection:
            await connection.execute(insert(idempotency_records), record())
            await connection.execute(insert(idempotency_records), record())
            raise Boom

    assert await count_records(database) == 0


async def test_transaction_rolls_back_when_task_is_cancelled(database: Database) -> None:
    wrote = asyncio.Event()

    async def write_then_hang() -> None:
        async with database.transaction() as connection:
            await connection.execute(insert(idempotency_records), record())
            wrote.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(write_then_hang())
    await wrote.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await count_records(database) == 0


async def test_nested_transaction_reuses_outer_connection(database: Database) -> None:
    async with database.transaction() as outer:
        async with database.transaction() as inner:
            assert inner is outer
            assert outer.in_transaction()


async def test_nested_transaction_commits_only_with_outermost(database: Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction():
            async with database.transaction() as inner:
                await inner.execute(insert(idempotency_records), record())
            raise Boom

    assert await count_records(database) == 0


async def test_nested_transaction_exception_rolls_back_outer_writes(database: Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction() as outer:
            await outer.execute(insert(idempotency_records), record())
            async with database.transaction():
                raise Boom

    assert await count_records(database) == 0


async def test_current_connection_is_the_open_transaction(database: Database) -> None:
    assert current_connection() is None
    async with database.transaction() as connection:
        assert current_connection() is connection
        async with database.transaction():
            assert current_connection() is connection
        assert current_connection() is connection
    assert current_connection() is None


async def test_current_connection_is_none_in_a_task_started_inside(database: Database) -> None:
    async def observe() -> object:
        return current_connection()

    async with database.transaction():
        seen_by_child = await asyncio.create_task(observe())

    assert seen_by_child is None


async def test_current_connection_is_cleared_after_rollback(database: Database) -> None:
    with pytest.raises(Boom):
        async with database.transaction():
            raise Boom

    assert current_connection() is None


async def test_concurrent_read_then_write_transactions_all_commit(database: Database) -> None:
    async def read_then_write(index: int) -> None:
        async with database.transaction() as connection:
            await connection.execute(select(idempotency_records.c.request_id))
            await connection.execute(insert(idempotency_records), record(request_id=f"req-{index}"))

    results = await asyncio.gather(*(read_then_write(index) for index in range(50)), return_exceptions=True)

    assert [result for result in results if result is not None] == []
    assert await count_records(database) == 50
