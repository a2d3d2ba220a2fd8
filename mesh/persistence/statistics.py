"""Planner statistics for the tables of a new PostgreSQL database, before autovacuum has any.

A freshly migrated database has no statistics until autovacuum's first pass reaches it, up to
its naptime later (a minute by default, a server-wide setting). Until then the planner guesses,
and on these schemas it guesses wrong: with no statistics, a primary-key lookup on
payment_intents (tenant, id) was planned on the listing index (tenant, created_at, id), which
reads every entry of the tenant to find one. At 1,500 rows that was 24 buffers and 0.36 ms a
lookup instead of 4 buffers and 0.05 ms, growing with the table, on every read and locking read
of the money path. So a service analyzes each of its tables once it holds rows and still has no
statistics; autovacuum keeps them current from then on.

Runs as a worker beside the relay (mesh.service), on PostgreSQL only (SQLite's planner needs no
statistics to use a primary key), and stops once every table has statistics or the watch is over.
"""

from __future__ import annotations

import asyncio
import logging
import time

import sqlalchemy as sa

from mesh.persistence.database import Database
from mesh.workers import wait_or_stop

__all__ = ["PlannerStatistics", "analyze_tables_without_statistics"]

log = logging.getLogger("mesh.persistence.statistics")

# Rows written before a table is worth analyzing: enough that the statistics describe it.
MIN_ROWS = 100
# How often to look, and for how long: autovacuum has visited the database well before the end.
INTERVAL_SECONDS = 2.0
WATCH_SECONDS = 600.0

_WITHOUT_STATISTICS = sa.text(
    "SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables "
    "WHERE schemaname = current_schema() AND last_analyze IS NULL AND last_autoanalyze IS NULL"
)


async def analyze_tables_without_statistics(db: Database, min_rows: int = MIN_ROWS) -> tuple[list[str], int]:
    """ANALYZE each table of the database's schema that has `min_rows` written and no statistics;
    return the tables analyzed and how many are still waiting for rows."""
    async with db.read() as conn:
        tables = (await conn.execute(_WITHOUT_STATISTICS)).all()
    ready = sorted(name for name, written in tables if written >= min_rows)
    for name in ready:
        async with db.statement() as conn:
            await conn.execute(sa.text(f"ANALYZE {conn.dialect.identifier_preparer.quote(name)}"))
    return ready, len(tables) - len(ready)


class PlannerStatistics:
    """The worker: `PlannerStatistics(database).run` (mesh.workers' shape)."""

    def __init__(
        self,
        database: Database,
        *,
        interval_seconds: float = INTERVAL_SECONDS,
        watch_seconds: float = WATCH_SECONDS,
        min_rows: int = MIN_ROWS,
    ) -> None:
        self._db = database
        self._interval = interval_seconds
        self._watch = watch_seconds
        self._min_rows = min_rows

    async def run(self, stop: asyncio.Event) -> None:
        if self._db.dialect != "postgresql":
            return
        ends = time.monotonic() + self._watch
        while time.monotonic() < ends:
            try:
                analyzed, waiting = await analyze_tables_without_statistics(self._db, self._min_rows)
            except Exception:
                log.exception("could not analyze tables without statistics; trying again")
            else:
                if analyzed:
                    log.info("analyzed tables that had no planner statistics", extra={"tables": analyzed})
                if not waiting:
                    return
            if await wait_or_stop(stop, self._interval):
                return
