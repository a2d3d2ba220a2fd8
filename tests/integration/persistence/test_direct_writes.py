"""Writes a transaction keeps executing go to the driver directly (mesh.persistence.direct_writes);
they must behave as the engine's: inside the transaction, rolled back with it, the same rowcount,
RETURNING rows and unique-violation error, on SQLite and PostgreSQL. The first execution of each
statement goes through the engine, so each test pins the engine's behaviour beside the driver's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from mesh.persistence import Database, is_unique_violation

metadata = sa.MetaData()
counters = sa.Table(
    "direct_counters",
    metadata,
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
INSERT = sa.insert(counters)
BUMP = (
    sa.update(counters)
    .where(counters.c.id == sa.bindparam("p_id"))
    .values(n=counters.c.n + sa.bindparam("by"))
    .returning(counters.c.n)
)
RESET = sa.update(counters).where(counters.c.n > sa.bindparam("above")).values(n=0)
VALUE = sa.select(counters.c.n).where(counters.c.id == sa.bindparam("p_id"))
KEPT = 3  # executions: the first goes through the engine, the later ones are compiled


class Boom(Exception):
    pass


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield database


async def value_of(db: Database, counter: str) -> int | None:
    async with db.read() as conn:
        return await conn.scalar(VALUE, {"p_id": counter})


async def test_kept_writes_commit_with_their_transaction_and_answer_like_the_engine(db: Database) -> None:
    bumped, reset = [], []
    for i in range(KEPT):
        async with db.transaction() as conn:
            await conn.execute(INSERT, {"id": f"c{i}", "n": 10})
            bumped.append((await conn.execute(BUMP, {"p_id": f"c{i}", "by": 5})).scalar_one())
            reset.append((await conn.execute(RESET, {"above": 100})).rowcount)

    assert bumped == [15] * KEPT and reset == [0] * KEPT
    assert [await value_of(db, f"c{i}") for i in range(KEPT)] == [15] * KEPT
    async with db.statement() as conn:
        assert (await conn.execute(RESET, {"above": 1})).rowcount == KEPT


async def test_kept_writes_roll_back_with_their_transaction(db: Database) -> None:
    for i in range(KEPT):
        with pytest.raises(Boom):
            async with db.transaction() as conn:
                await conn.execute(INSERT, {"id": f"r{i}", "n": 1})
                await conn.execute(BUMP, {"p_id": f"r{i}", "by": 1})
                raise Boom

    assert [await value_of(db, f"r{i}") for i in range(KEPT)] == [None] * KEPT


async def test_a_kept_write_is_invisible_to_others_until_its_transaction_commits(db: Database) -> None:
    seen_before_commit = []
    for i in range(KEPT):
        async with db.transaction() as conn:
            await conn.execute(INSERT, {"id": f"v{i}", "n": 7})
            seen_before_commit.append(await asyncio.create_task(value_of(db, f"v{i}")))

    assert seen_before_commit == [None] * KEPT
    assert [await value_of(db, f"v{i}") for i in range(KEPT)] == [7] * KEPT


@pytest.mark.parametrize("opening", ["transaction", "statement"])
async def test_a_duplicate_key_is_the_engines_unique_violation_and_undoes_only_its_own_work(
    db: Database, opening: str
) -> None:
    opened = getattr(db, opening)
    async with db.statement() as conn:
        await conn.execute(INSERT, {"id": "dup", "n": 1})
    errors = []
    for _ in range(KEPT):
        with pytest.raises(exc.IntegrityError) as raised:
            async with opened() as conn:
                if opening == "transaction":
                    await conn.execute(BUMP, {"p_id": "dup", "by": 1})  # undone with the failed insert
                await conn.execute(INSERT, {"id": "dup", "n": 99})
        errors.append(raised.value)
    async with opened() as conn:  # the connection is fit for the next use
        await conn.execute(BUMP, {"p_id": "dup", "by": 1})

    assert all(is_unique_violation(error) for error in errors)
    assert await value_of(db, "dup") == 2


async def test_kept_writes_are_sent_to_the_driver(db: Database) -> None:
    for i in range(KEPT):
        async with db.transaction() as conn:
            await conn.execute(INSERT, {"id": f"p{i}", "n": 1})

    compiled = db._write_compiler.lookup(INSERT, {"id": "x", "n": 0})  # type: ignore[union-attr]
    assert compiled is not None and compiled.sql.startswith("INSERT INTO direct_counters")


async def test_a_database_error_does_not_repeat_the_statements_values(db: Database) -> None:
    value = "tok-never-in-logs"
    async with db.statement() as conn:
        await conn.execute(INSERT, {"id": value, "n": 1})
    texts = []
    for _ in range(KEPT):  # through the engine first, then compiled
        for opened in (db.statement, db.transaction):
            with pytest.raises(exc.IntegrityError) as raised:
                async with opened() as conn:
                    await conn.execute(INSERT, {"id": value, "n": 2})
            texts.append(str(raised.value))

    assert texts and all(value not in text for text in texts)
