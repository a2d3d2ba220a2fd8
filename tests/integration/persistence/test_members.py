"""member_of: a list bound as one parameter matches as an expanding IN would, on SQLite and
PostgreSQL, ints and strings, empty lists included, compiled or through the engine; and its
statements are compiled once (the point of it), so they reach the driver directly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from mesh.persistence import Database
from mesh.persistence.members import member_of

metadata = sa.MetaData()
items = sa.Table(
    "member_items",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("key", sa.String(40), nullable=False),
    sa.Column("marked", sa.Boolean, nullable=False, default=False),
)
MARK = sa.update(items).where(member_of(items.c.position, "positions")).values(marked=True)
KEYS_IN = sa.select(items.c.position).where(member_of(items.c.key, "keys")).order_by(items.c.position)
KEYS_NOT_IN = sa.select(items.c.position).where(~member_of(items.c.key, "keys")).order_by(items.c.position)
MARKED = sa.select(items.c.position).where(items.c.marked).order_by(items.c.position)
RUNS = 3  # the first execution goes through the engine, the later ones are compiled


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            sa.insert(items), [{"position": n, "key": f"k{n % 3}", "marked": False} for n in range(1, 10)]
        )
    yield database


async def test_a_list_of_ints_matches_as_in_would(db: Database) -> None:
    rowcounts = []
    for chosen in ([2, 5], [], [5, 7, 42]):
        async with db.transaction() as conn:
            rowcounts.append((await conn.execute(MARK, {"positions": chosen})).rowcount)

    async with db.read() as conn:
        assert list(await conn.scalars(MARKED)) == [2, 5, 7]
    assert rowcounts == [2, 0, 2]  # nothing for the empty list; 42 is no row


@pytest.mark.parametrize("statement", ["in", "not_in"])
async def test_a_list_of_strings_matches_and_excludes_as_in_and_not_in_would(db: Database, statement: str) -> None:
    chosen = KEYS_IN if statement == "in" else KEYS_NOT_IN
    expected = {
        ("k1", "k2"): [n for n in range(1, 10) if n % 3 != 0],
        (): [],
    }
    for _ in range(RUNS):
        async with db.read() as conn:
            for keys, matched in expected.items():
                got = list(await conn.scalars(chosen, {"keys": list(keys)}))
                want = matched if statement == "in" else [n for n in range(1, 10) if n not in matched]
                assert got == want, (keys, statement)


async def test_member_of_statements_are_compiled_once(db: Database) -> None:
    compiler = db._write_compiler  # noqa: SLF001 - what the direct path decides, seen from here
    for _ in range(RUNS):
        async with db.transaction() as conn:
            await conn.execute(MARK, {"positions": [1]})
    assert compiler.lookup(MARK, {"positions": [1]}) is not None
