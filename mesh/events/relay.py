"""The outbox relay: publishes committed events, in order per aggregate, at least once.

Each pass runs in one database transaction: it takes due rows in `position` order, publishes
them (aggregates concurrently, the rows of one aggregate one after another), and stamps
published_at, committing at the end. A relay killed mid-pass commits nothing, so every row it
took is published again by the next pass: duplicates are possible, losses are not, and the
consumers' inbox drops the duplicates by event id. A failed publish backs off that row with full
jitter and holds back the later rows of its aggregate, so their order survives.

On PostgreSQL a transaction-scoped advisory lock lets one relay work at a time when several
replicas run one; on SQLite the write lock does the same.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
from collections.abc import Callable

import sqlalchemy as sa
from opentelemetry import metrics
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.bus import EventBus, OutgoingMessage, PublishError
from mesh.events.envelope import attributes_of, decode_envelope
from mesh.persistence import Database, UtcDateTime
from mesh.persistence.tables import outbox

log = logging.getLogger("mesh.events.relay")
RELAY_LOCK_ID = 0x6D657368  # "mesh": pg advisory lock shared by every relay of one database


class OutboxRelay:
    def __init__(self, database: Database, bus: EventBus, *, batch_size: int = 200,
                 backoff_base: float = 0.5, backoff_max: float = 60.0,
                 clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
                 meter_provider: metrics.MeterProvider | None = None) -> None:
        self._db = database
        self._bus = bus
        self._batch = batch_size
        self._backoff = (backoff_base, backoff_max)
        self._now = clock
        self.lag_seconds = 0.0
        metrics.get_meter("mesh.events", meter_provider=meter_provider).create_observable_gauge(
            "mesh.outbox.lag", callbacks=[self._observe_lag], unit="s",
            description="age of the oldest unpublished outbox row")

    async def publish_pending(self) -> int:
        """One pass; returns how many rows were published."""
        async with self._db.transaction() as conn:
            if not await self._lead(conn):
                return 0
            now = self._now()
            rows = await self._due_rows(conn, now)
            results = await asyncio.gather(*(self._publish_key(rows_of_key) for rows_of_key in rows.values()))
            published = [position for done, _ in results for position in done]
            failed = [failure for _, failures in results for failure in failures]
            await self._mark(conn, published, failed, now)
            self.lag_seconds = await self._lag(conn, self._now())
        return len(published)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.2) -> None:
        """Publish until `stop` is set; sleeps only when a pass found nothing to do."""
        while not stop.is_set():
            try:
                published = await self.publish_pending()
            except Exception:
                log.exception("outbox relay pass failed")
                published = 0
            if not published:
                try:
                    await asyncio.wait_for(stop.wait(), idle_seconds)
                except TimeoutError:
                    pass

    async def _lead(self, conn: AsyncConnection) -> bool:
        if self._db.dialect != "postgresql":
            return True
        return (await conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK_ID)))).scalar_one()

    async def _due_rows(self, conn: AsyncConnection, now: datetime.datetime) -> dict[str, list]:
        """Unpublished rows by aggregate, in order, each aggregate cut at its first row not yet due."""
        result = await conn.execute(sa.select(outbox.c.position, outbox.c.topic, outbox.c.ordering_key,
                                              outbox.c.payload, outbox.c.attempts, outbox.c.next_attempt_at)
                                    .where(outbox.c.published_at.is_(None))
                                    .order_by(outbox.c.position).limit(self._batch))
        by_key: dict[str, list] = {}
        blocked: set[str] = set()
        for row in result:
            if row.ordering_key in blocked:
                continue
            if row.next_attempt_at > now:
                blocked.add(row.ordering_key)
                continue
            by_key.setdefault(row.ordering_key, []).append(row)
        return by_key

    async def _publish_key(self, rows: list) -> tuple[list[int], list[tuple]]:
        done: list[int] = []
        for row in rows:
            try:
                envelope = decode_envelope(row.payload)
                await self._bus.publish(row.topic, OutgoingMessage(
                    row.payload, attributes_of(envelope), ordering_key=row.ordering_key))
            except PublishError as err:
                log.warning("publish failed; retrying with backoff", extra={"outbox_position": row.position})
                return done, [(row, str(err))]  # later rows of this aggregate wait for this one
            done.append(row.position)
        return done, []

    async def _mark(self, conn: AsyncConnection, published: list[int], failed: list[tuple],
                    now: datetime.datetime) -> None:
        if published:
            await conn.execute(sa.update(outbox).where(outbox.c.position.in_(published)).values(published_at=now))
        for row, error in failed:
            attempts = row.attempts + 1
            await conn.execute(sa.update(outbox).where(outbox.c.position == row.position).values(
                attempts=attempts, last_error=error[:1000], next_attempt_at=now + self._delay(attempts)))

    def _delay(self, attempts: int) -> datetime.timedelta:
        base, ceiling = self._backoff
        return datetime.timedelta(seconds=random.uniform(0, min(ceiling, base * 2 ** (attempts - 1))))  # full jitter

    async def _lag(self, conn: AsyncConnection, now: datetime.datetime) -> float:
        # type_coerce: an aggregate would bypass UtcDateTime and come back as text on SQLite.
        oldest = (await conn.execute(sa.select(sa.type_coerce(sa.func.min(outbox.c.created_at), UtcDateTime))
                                     .where(outbox.c.published_at.is_(None)))).scalar_one()
        return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())

    def _observe_lag(self, _options):
        yield metrics.Observation(self.lag_seconds)
