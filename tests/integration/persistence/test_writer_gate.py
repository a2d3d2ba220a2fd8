"""SQLite's writers in one process take turns (mesh.persistence.writer_gate) instead of sleeping
in SQLite's busy handler; a writer kept waiting past the busy timeout fails as SQLite would."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import exc, insert, select

from mesh.persistence import RUNTIME_MIGRATIONS, Database, idempotency_records, migrate
from mesh.persistence.writer_gate import WriterGate
from tests.integration.persistence.records import record


@pytest.fixture
async def sqlite_db(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    await migrate(db, RUNTIME_MIGRATIONS)
    yield db
    await db.dispose()


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
    assert order == ["first in", "first out", "second in", "third in"]
    async with sqlite_db.read() as conn:
        stored = set(await conn.scalars(select(idempotency_records.c.request_id)))
    assert stored == {"first", "second", "third"}


async def test_a_writer_kept_waiting_past_the_timeout_fails_as_database_is_locked() -> None:
    gate = WriterGate(timeout_seconds=0.05)
    holding, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with gate.held():
            holding.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    with pytest.raises(exc.OperationalError, match="database is locked"):
        async with gate.held():
            pass
    done.set()
    await holder
    async with gate.held():  # free again once the holder left
        pass


def test_postgresql_has_no_gate(postgres_schema_url: str) -> None:
    assert Database.from_url(postgres_schema_url)._writer_gate is None
