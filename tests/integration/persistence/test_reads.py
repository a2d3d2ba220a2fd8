"""Database.read() outside a transaction: statements it keeps executing skip SQLAlchemy's engine
(mesh.persistence.compiled, inline_reads, direct_reads) and must answer exactly what the
engine answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from mesh.persistence import Database, is_connection_lost
from mesh.persistence.timestamps import UtcDateTime

metadata = sa.MetaData()
things = sa.Table(
    "read_things",
    metadata,
    sa.Column("tenant", sa.String(40), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=True),
    sa.Column("seen_at", UtcDateTime, nullable=True),
)
BY_KEY = sa.select(things).where(things.c.tenant == sa.bindparam("p_tenant"), things.c.id == sa.bindparam("p_id"))
ACTIVE_BY_AMOUNT = (
    sa.select(things.c.id, (things.c.amount * 2).label("doubled"))
    .where(things.c.tenant == sa.bindparam("p_tenant"), things.c.active.is_(True))
    .order_by(things.c.amount)
    .limit(2)
)
COUNT = sa.select(sa.func.count()).select_from(things).where(things.c.tenant == "t1")
SEEN = datetime.datetime(2026, 3, 1, 12, 30, 15, 250_000, tzinfo=datetime.UTC)
ROWS = [
    {"tenant": "t1", "id": "a", "amount": 300, "active": True, "blob": b"\x00\xff", "seen_at": SEEN},
    {"tenant": "t1", "id": "b", "amount": 100, "active": False, "blob": None, "seen_at": None},
    {"tenant": "t1", "id": "c", "amount": 200, "active": True, "blob": b"", "seen_at": SEEN},
    {"tenant": "t2", "id": "a", "amount": 9, "active": True, "blob": None, "seen_at": None},
]


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(sa.insert(things), ROWS)
    yield database


async def engine_answer(db: Database, statement: sa.Select, parameters: dict | None = None) -> list[tuple]:
    async with db.transaction() as conn:  # a transaction's reads go through SQLAlchemy's engine
        return [tuple(row) for row in await conn.execute(statement, parameters)]


async def read_answer(db: Database, statement: sa.Select, parameters: dict | None = None) -> list[tuple]:
    async with db.read() as conn:
        return [tuple(row) for row in await conn.execute(statement, parameters)]


@pytest.mark.parametrize(
    ("statement", "parameters"),
    [
        (BY_KEY, {"p_tenant": "t1", "p_id": "a"}),
        (BY_KEY, {"p_tenant": "t1", "p_id": "b"}),
        (BY_KEY, {"p_tenant": "t9", "p_id": "a"}),
        (ACTIVE_BY_AMOUNT, {"p_tenant": "t1"}),
        (COUNT, None),
    ],
)
async def test_a_kept_statement_answers_what_the_engine_answers(
    db: Database, statement: sa.Select, parameters: dict | None
) -> None:
    expected = await engine_answer(db, statement, parameters)
    answers = [await read_answer(db, statement, parameters) for _ in range(3)]  # the 2nd on is compiled

    assert answers == [expected] * 3
    types = lambda rows: [[type(value) for value in row] for row in rows]  # noqa: E731
    assert types(answers[2]) == types(expected)


async def test_rows_keep_their_column_names_and_scalars(db: Database) -> None:
    for _ in range(2):
        async with db.read() as conn:
            row = (await conn.execute(BY_KEY, {"p_tenant": "t1", "p_id": "a"})).one()
            top = (await conn.execute(ACTIVE_BY_AMOUNT, {"p_tenant": "t1"})).first()
            count = await conn.scalar(COUNT)
            ids = (await conn.scalars(ACTIVE_BY_AMOUNT, {"p_tenant": "t1"})).all()

        assert (row.id, row.amount, row.active, row.blob, row.seen_at) == ("a", 300, True, b"\x00\xff", SEEN)
        assert row.seen_at.tzinfo is datetime.UTC
        assert top is not None and (top.id, top.doubled) == ("c", 400)
        assert count == 3 and ids == ["c", "a"]


async def test_a_compiled_read_sees_each_new_commit(db: Database) -> None:
    parameters = {"p_tenant": "t1", "p_id": "b"}
    before = [await read_answer(db, BY_KEY, parameters) for _ in range(2)]
    async with db.transaction() as conn:
        await conn.execute(sa.update(things).where(things.c.id == "b").values(amount=555, active=True))

    [[after]] = [await read_answer(db, BY_KEY, parameters)]

    assert before[0] == before[1] and before[0][0][2] == 100
    assert after[2] == 555 and after[3] is True


async def test_statements_built_per_call_and_expanding_in_answer_through_the_engine(db: Database) -> None:
    expanding = sa.select(things.c.id).where(things.c.id.in_(sa.bindparam("ids", expanding=True))).order_by("id")

    per_call = [await read_answer(db, sa.select(things.c.id).where(things.c.amount > n)) for n in (150, 250)]
    in_answers = [await read_answer(db, expanding, {"ids": ids}) for ids in (["a"], ["a", "c"], ["a", "b", "c"])]

    assert per_call == [[("a",), ("c",)], [("a",)]]
    assert in_answers == [[(i,) for i in ids] for ids in ("aa", "aac", "aabc")]  # tenants t1 and t2 share "a"


async def test_a_read_inside_a_transaction_sees_its_uncommitted_writes(db: Database) -> None:
    parameters = {"p_tenant": "t1", "p_id": "a"}
    await read_answer(db, BY_KEY, parameters)  # compiled from here on
    async with db.transaction() as conn:
        await conn.execute(sa.update(things).where(things.c.id == "a").values(amount=1))
        async with db.read() as joined:
            inside = (await joined.execute(BY_KEY, parameters)).one()
        outside_rows = await _in_another_task(db, parameters)

    assert inside.amount == 1
    assert outside_rows[0][2] == 300  # not committed yet when the other task read


async def _in_another_task(db: Database, parameters: dict) -> list[tuple]:
    return await asyncio.create_task(read_answer(db, BY_KEY, parameters))


BACKEND_PID = sa.select(sa.func.pg_backend_pid())
TERMINATE = sa.select(sa.func.pg_terminate_backend(sa.bindparam("pid")))


async def test_a_read_on_a_lost_connection_says_so_and_the_next_read_gets_another(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL ends a connection on request; SQLite reads have no connection to lose")
    parameters = {"p_tenant": "t1", "p_id": "a"}
    await read_answer(db, BY_KEY, parameters)  # compiled from here on
    async with db.read() as conn:
        await conn.scalar(BACKEND_PID)  # its first sighting goes through the engine
        pid = await conn.scalar(BACKEND_PID)  # compiled: this connection's own backend
        async with db.statement() as other:
            assert await other.scalar(TERMINATE, {"pid": pid}) is True
        with pytest.raises(exc.DBAPIError) as raised:
            await conn.execute(BY_KEY, parameters)

    assert is_connection_lost(raised.value)
    assert [row[:3] for row in await read_answer(db, BY_KEY, parameters)] == [("t1", "a", 300)]
