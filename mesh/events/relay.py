"""The outbox relay: publishes committed events, in order per aggregate, at least once.

No transaction is open while it publishes. A short transaction claims due rows (per aggregate,
leased with claimed_until: see outbox_claims); they are published with none open; a second
short transaction settles them: published_at on what went out, a full-jitter backoff on the
first row of an aggregate that failed, whose later rows wait behind it so their order survives.
A relay killed between publishing and settling leaves its rows unpublished and leased: once the
lease runs out a pass publishes them again. Duplicates are possible, losses are not, and the
consumers' inbox drops the duplicates by event id.

Aggregates publish independently. The claimed rows of one are handed to the bus together, in
order (the bus keeps the order of calls per ordering key, and Pub/Sub sends them in one
request; after a failed one it pauses the key and fails the later ones too), and `run` goes on
claiming other aggregates while a slow one is still publishing: a blocked or failing aggregate
delays only itself.

Claims are serialised (on PostgreSQL by a transaction-scoped advisory lock, on SQLite by its
write lock), so several relays of one database share the work by aggregate and, while a lease
holds, never publish one aggregate at once. lease_seconds must outlast the bus's publish timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import math
import random
import time
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from opentelemetry import metrics
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.bus import EventBus, OutgoingMessage, PublishError
from mesh.events.envelope import attributes_of, decode_envelope
from mesh.events.outbox_claims import (
    ClaimedRow,
    Limits,
    Settlement,
    claim_due,
    oldest_unpublished,
    settle,
    settled_by_one_statement,
)
from mesh.persistence import Database

log = logging.getLogger("mesh.events.relay")
RELAY_LOCK_ID = 0x6D657368  # "mesh": pg advisory lock shared by every relay of one database
_RELAY_LOCK = sa.select(sa.func.pg_advisory_xact_lock(RELAY_LOCK_ID))  # built once: compiled once


class OutboxRelay:
    """batch_size bounds the rows in flight at once, rows_per_aggregate those of one aggregate.
    A busy relay begins a pass at most every busy_pass_seconds: the rows committed meanwhile are
    claimed and settled together, where passes back to back took a claim and a settlement (eight
    round trips) for every few rows (bench/hot_path.py, figure 5)."""

    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        batch_size: int = 1000,
        rows_per_aggregate: int = 100,
        lease_seconds: float = 120.0,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        lag_interval_seconds: float = 1.0,
        busy_pass_seconds: float = 0.02,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._db = database
        self._bus = bus
        self._limits = Limits(rows=batch_size, rows_per_aggregate=rows_per_aggregate)
        self._lease = datetime.timedelta(seconds=lease_seconds)
        self._backoff = (backoff_base, backoff_max)
        self._busy_pass = busy_pass_seconds
        self._now = clock
        self._in_flight: dict[str, tuple[asyncio.Task[Settlement], int]] = {}  # ordering key → (publishing, rows)
        self.lag_seconds = 0.0
        self._lag_interval = lag_interval_seconds  # a gauge: once a second is plenty, and spares a query a pass
        self._lag_measured_at = -math.inf
        metrics.get_meter("mesh.events", meter_provider=meter_provider).create_observable_gauge(
            "mesh.outbox.lag",
            callbacks=[self._observe_lag],
            unit="s",
            description="age of the oldest unpublished outbox row",
        )

    async def publish_pending(self) -> int:
        """One pass: claim what is due, publish it, settle it; returns how many rows were published."""
        await self._claim_and_publish()
        return sum(len(s.published) for s in await self._settle_finished(timeout=None))

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.2) -> None:
        """Publish until `stop` is set, then settle what is in flight; sleeps only when idle."""
        try:
            while not stop.is_set():
                began = time.monotonic()
                busy = await self._step(idle_seconds)
                pause = self._busy_pass - (time.monotonic() - began) if busy else idle_seconds
                if pause > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)
            await self._settle_finished(timeout=None)
        finally:
            for task, _ in self._in_flight.values():
                task.cancel()  # cancelled mid-publish: the leases run out and the rows go again
            self._in_flight.clear()

    async def _step(self, idle_seconds: float) -> bool:
        """Claim more, settle what finished within idle_seconds; False when there was nothing to do."""
        try:
            claimed = await self._claim_and_publish()
            settled = await self._settle_finished(timeout=idle_seconds)
        except Exception:
            log.exception("outbox relay pass failed")
            return False
        return bool(claimed or settled or self._in_flight)

    async def _claim_and_publish(self) -> int:
        room = self._limits.rows - sum(rows for _, rows in self._in_flight.values())
        if room <= 0:
            return 0
        claimed = await self._claim(Limits(rows=room, rows_per_aggregate=self._limits.rows_per_aggregate))
        for key, rows in claimed.items():
            self._in_flight[key] = (asyncio.ensure_future(self._publish_aggregate(rows)), len(rows))
        return len(claimed)

    async def _claim(self, limits: Limits) -> dict[str, list[ClaimedRow]]:
        async with self._db.transaction() as conn:
            await self._serialise_claims(conn)
            now = self._now()
            claimed = await claim_due(
                conn, now=now, lease_until=now + self._lease, limits=limits, busy=self._in_flight.keys()
            )
            await self._measure_lag(conn, now)
        return claimed

    async def _serialise_claims(self, conn: AsyncConnection) -> None:
        # SQLite: BEGIN IMMEDIATE already holds the write lock. PostgreSQL: one claim at a time,
        # so a claim sees every lease committed before it.
        if self._db.dialect == "postgresql":
            await conn.execute(_RELAY_LOCK)

    async def _publish_aggregate(self, rows: list[ClaimedRow]) -> Settlement:
        sends = [asyncio.ensure_future(self._send(row)) for row in rows]  # started in order, all at once
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, BaseException):
                return self._failed(rows, index, outcome)
        return Settlement(published=[row.position for row in rows])

    async def _send(self, row: ClaimedRow) -> str:
        envelope = decode_envelope(row.payload)
        return await self._bus.publish(
            row.topic, OutgoingMessage(row.payload, attributes_of(envelope), ordering_key=row.ordering_key)
        )

    def _failed(self, rows: list[ClaimedRow], index: int, error: BaseException) -> Settlement:
        row = rows[index]
        log.warning(
            "publish failed; retrying with backoff",
            exc_info=not isinstance(error, PublishError),
            extra={"outbox_position": row.position, "error": str(error)},
        )
        return Settlement(
            published=[r.position for r in rows[:index]],
            failed=row,
            error=str(error) or type(error).__name__,
            retry_at=self._now() + self._delay(row.attempts + 1),
            released=[r.position for r in rows[index + 1 :]],
        )  # they wait for this one

    async def _settle_finished(self, timeout: float | None) -> list[Settlement]:
        """Wait up to timeout for every aggregate in flight, then settle those that finished."""
        if self._in_flight:
            await asyncio.wait([task for task, _ in self._in_flight.values()], timeout=timeout)
        finished = [key for key, (task, _) in self._in_flight.items() if task.done()]
        settlements = [self._in_flight.pop(key)[0].result() for key in finished]
        if settlements:
            # All published, the common case, is one UPDATE: no BEGIN, no COMMIT.
            alone = settled_by_one_statement(settlements)
            async with self._db.statement() if alone else self._db.transaction() as conn:
                now = self._now()
                await settle(conn, settlements, now)
                await self._measure_lag(conn, now)
        return settlements

    def _delay(self, attempts: int) -> datetime.timedelta:
        base, ceiling = self._backoff
        return datetime.timedelta(seconds=random.uniform(0, min(ceiling, base * 2 ** (attempts - 1))))  # full jitter

    async def _measure_lag(self, conn: AsyncConnection, now: datetime.datetime) -> None:
        if time.monotonic() - self._lag_measured_at < self._lag_interval:
            return
        self._lag_measured_at = time.monotonic()
        oldest = await oldest_unpublished(conn)
        self.lag_seconds = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())

    def _observe_lag(self, _options: metrics.CallbackOptions) -> Iterator[metrics.Observation]:
        yield metrics.Observation(self.lag_seconds)
