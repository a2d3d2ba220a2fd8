"""SQLite's writers in one process take turns (mesh.persistence.sqlite_writer) instead of sleeping
in SQLite's busy handler; a writer kept waiting past the busy timeout fails as SQLite would."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3

import pytest
from sqlalchemy import event, exc, insert, select

from mesh.persistence import Database, idempotency_records
from mesh.persistence.direct_writes import sqlite3_of
from mesh.persistence.sqlite_writer import SqliteWriter
from tests.integration.persistence.records import record


async def test_writers_take_turns_in_arrival_order(sqlite_db: Database) -> None:
    order: list[str] = []
    first_holds, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with sqlite_db.transaction() as conn:
            order.append("first in")
            first_holds.set()
            await release_first.wait()
            await conn.execute(insert(idempotency_records), record(request_id="first"))
        order.append("first out")

    async def then(name: str) -> None:
        async with sqlite_db.statement() as conn:
            order.append(f"{name} in")
            await conn.execute(insert(idempotency_records), record(request_id=name))

    holder = asyncio.create_task(first())
    await first_holds.wait()
    waiters = [asyncio.create_task(then(name)) for name in ("second", "third")]
    for _ in range(20):  # loop turns in which a writer would get in if the gate let it
        await asyncio.sleep(0)
    waited = list(order)
    release_first.set()
    await asyncio.gather(holder, *waiters)

    assert waited == ["first in"]
    assert [step for step in order if step.endswith(" in")] == ["first in", "second in", "third in"]
    async with sqlite_db.read() as conn:
        stored = set(await conn.scalars(select(idempotency_records.c.request_id)))
    assert stored == {"first", "second", "third"}


async def test_a_writer_kept_waiting_past_the_timeout_fails_as_database_is_locked(sqlite_db: Database) -> None:
    writer = SqliteWriter(sqlite_db.engine, busy_timeout_ms=50)
    holding, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with writer.turn():
            holding.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    with pytest.raises(exc.OperationalError, match="database is locked"):
        async with writer.transaction():
            pass
    done.set()
    await holder
    async with writer.transaction():  # free again once the holder left
        pass


def test_postgresql_has_no_gate(postgres_schema_url: str) -> None:
    assert Database.from_url(postgres_schema_url)._sqlite_writer is None


async def test_a_writer_waits_for_another_process_holding_the_lock_instead_of_failing(
    sqlite_db: Database, sqlite_path: pathlib.Path
) -> None:
    # BEGIN IMMEDIATE is tried on the loop's thread without waiting; a lock held elsewhere (here
    # another connection, as another process would) sends it to aiosqlite's thread to wait there.
    async with sqlite_db.transaction() as conn:  # a pooled connection, so the next one is not new
        await conn.execute(insert(idempotency_records), record(request_id="before"))
    other = sqlite3.connect(sqlite_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    waiting = asyncio.Event()

    def saw_begin(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement == "BEGIN IMMEDIATE":  # only the waiting path goes through the engine
            waiting.set()

    event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", saw_begin)

    async def write() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="after"))

    writer = asyncio.create_task(write())
    await waiting.wait()
    assert not writer.done()
    other.execute(
        "INSERT INTO idempotency_records (tenant, method, request_id, fingerprint, created_at, "
        "expires_at, recovery_point) VALUES ('t', 'm', 'other', 'f', '2026-01-01', '2099-01-01', 's')"
    )
    other.execute("COMMIT")
    await writer
    other.close()

    async with sqlite_db.read() as conn:
        ids = set(await conn.scalars(select(idempotency_records.c.request_id)))
    assert ids == {"before", "other", "after"}


async def test_a_connection_returned_inside_a_transaction_is_rolled_back_and_frees_the_lock(
    sqlite_db: Database, sqlite_path: pathlib.Path
) -> None:
    # What a failed COMMIT would leave: the pool's reset (on the loop's thread) rolls it back.
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        sqlite3_of(raw.dbapi_connection).execute("BEGIN IMMEDIATE")
        sqlite3_of(raw.dbapi_connection).execute(
            "INSERT INTO idempotency_records (tenant, method, request_id, fingerprint, created_at, "
            "expires_at, recovery_point) VALUES ('t', 'm', 'lost', 'f', '2026-01-01', '2099-01-01', 's')"
        )
    other = sqlite3.connect(sqlite_path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the lock were still held
    other.execute("ROLLBACK")
    assert other.execute("SELECT count(*) FROM idempotency_records WHERE request_id = 'lost'").fetchone() == (0,)
    other.close()
