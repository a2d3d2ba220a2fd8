"""Planner statistics for a new database (mesh.persistence.statistics): a table that has rows and
no statistics is analyzed, once, and a primary-key lookup then uses the primary key even with a
listing index that starts with the same column; a table still short of rows waits; the worker
ends once every table has statistics, and at once on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from mesh.persistence import Database
from mesh.persistence.statistics import PlannerStatistics, analyze_tables_without_statistics
from tests.waiting import eventually

MIN_ROWS = 100
# Shaped like payment_intents: a (tenant, id) key beside a (tenant, created_at, id) listing index.
_TABLES = (
    "CREATE TABLE intents (tenant varchar(64), id varchar(64), created_at timestamptz, "
    "body varchar(500), detail varchar(500), PRIMARY KEY (tenant, id))",
    "CREATE INDEX ix_intents_listing ON intents (tenant, created_at, id)",
    "CREATE TABLE few (id integer PRIMARY KEY)",
)
_FILL = (
    "INSERT INTO intents SELECT 'tenant-a', 'pi_' || g, now() + g * interval '1 ms', repeat('x', 200) "
    "FROM generate_series(1, 1500) AS g",
    "INSERT INTO few SELECT g FROM generate_series(1, 5) AS g",
)
_WRITTEN = sa.text("SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema()")
_ANALYZED = sa.text(
    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
)


@pytest.fixture
async def db(postgres_schema_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(postgres_schema_url)
    async with database.transaction() as conn:
        for statement in (*_TABLES, *_FILL):
            await conn.execute(sa.text(statement))
    async with database.engine.connect() as conn:  # the writes' counts reach the statistics views
        await conn.execute(sa.text("SELECT pg_stat_force_next_flush()"))
    await eventually(lambda: _written(database, "intents"), "the inserts showing in pg_stat_user_tables")
    yield database
    await database.dispose()


async def _statistics_view(db: Database, query: sa.TextClause) -> list[sa.Row]:
    """`query` on pg_stat_user_tables as it is now, not as this session last read it."""
    async with db.engine.connect() as conn:
        await conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return list((await conn.execute(query)).all())


async def _written(db: Database, table: str) -> bool:
    return dict(await _statistics_view(db, _WRITTEN)).get(table, 0) >= MIN_ROWS


async def _analyzed(db: Database) -> set[str]:
    return {name for (name,) in await _statistics_view(db, _ANALYZED)}


async def _plan_of_key_lookup(db: Database) -> str:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.text("EXPLAIN SELECT * FROM intents WHERE tenant = :tenant AND id = :id FOR UPDATE"),
            {"tenant": "tenant-a", "id": "pi_77"},
        )
        return "\n".join(row[0] for row in rows)


async def test_a_table_with_rows_and_no_statistics_is_analyzed_and_keyed_by_its_primary_key(db: Database) -> None:
    # What the planner does without statistics: the listing index, reading every entry of the tenant.
    assert "ix_intents_listing" in await _plan_of_key_lookup(db)

    analyzed, waiting = await analyze_tables_without_statistics(db, MIN_ROWS)

    assert analyzed == ["intents"]
    assert waiting == 1  # `few`: five rows, not yet worth analyzing
    assert await _analyzed(db) == {"intents"}
    assert "intents_pkey" in await _plan_of_key_lookup(db)


async def test_a_table_is_analyzed_once(db: Database) -> None:
    await analyze_tables_without_statistics(db, MIN_ROWS)
    await eventually(lambda: _has_statistics(db, "intents"), "intents showing as analyzed")

    again, _ = await analyze_tables_without_statistics(db, MIN_ROWS)

    assert again == []


async def _has_statistics(db: Database, table: str) -> bool:
    return table in await _analyzed(db)


async def test_the_worker_ends_once_every_table_has_statistics(db: Database) -> None:
    worker = asyncio.create_task(PlannerStatistics(db, interval_seconds=0.01, min_rows=1).run(asyncio.Event()))

    await asyncio.wait_for(worker, 30)

    assert await _analyzed(db) == {"intents", "few"}


async def test_the_worker_stops_when_told_while_a_table_waits_for_rows(db: Database) -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(PlannerStatistics(db, interval_seconds=0.01, min_rows=MIN_ROWS).run(stop))
    await eventually(lambda: _has_statistics(db, "intents"), "the worker analyzing intents")
    assert not worker.done()  # `few` still has no statistics

    stop.set()

    await asyncio.wait_for(worker, 30)
    assert "few" not in await _analyzed(db)


async def test_the_worker_has_nothing_to_do_on_sqlite(tmp_path) -> None:
    sqlite = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'mesh.db'}")
    try:
        await asyncio.wait_for(PlannerStatistics(sqlite).run(asyncio.Event()), 5)
    finally:
        await sqlite.dispose()
