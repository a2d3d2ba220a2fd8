"""The whole event path, twice: MemoryBus + SQLite (embedded) and the real Pub/Sub emulator +
PostgreSQL (production). Each test gets its own topology names and its own database or schema."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from commerce.payments.v1 import events_pb2
from commerce.type.v1 import money_pb2
from mesh.events import EventBus, EventWriter, OutboxRelay, OutgoingMessage
from mesh.events.bus import Delivery, Handler, SubscriptionHandle
from mesh.events.memory_bus import MemoryBus
from mesh.events.provision import provision
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.topology import Topology
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate
from mesh.persistence.tables import outbox
from tests.clock import ManualClock
from tests.fixtures.pubsub import bus_test_topology, scoped, unique_prefix
from tests.waiting import Changes, eventually

TENANT = "acme"
effects_metadata = sa.MetaData()
# One row per handled event. No unique key on purpose: a double effect shows up as a second row.
effects = sa.Table(
    "test_event_effects",
    effects_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consumer", sa.String(64), nullable=False),
    sa.Column("event_id", sa.String(128), nullable=False),
    sa.Column("subject", sa.String(512), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
)


class TrackedBus:
    """The path's bus, noting every message published and every one each subscription acked.

    A test can thus wait until all it published has been handled: after that nothing more can
    arrive but a broker's own duplicate (which the inbox drops), so "and nothing else happened"
    needs no quiet period.
    """

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.published: dict[str, list[str]] = collections.defaultdict(list)  # topic: message ids
        self.acked: dict[str, set[str]] = collections.defaultdict(set)  # subscription: message ids
        self._changes = Changes()

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        message_id = await self._bus.publish(topic, message)
        self.published[topic].append(message_id)
        self._changes.announce()
        return message_id

    async def subscribe(self, subscription: str, handler: Handler, *, max_outstanding: int = 100) -> SubscriptionHandle:
        async def tracked(delivery: Delivery) -> None:
            await handler(delivery)  # raising nacks: not acked
            self.acked[subscription].add(delivery.message_id)
            self._changes.announce()

        return await self._bus.subscribe(subscription, tracked, max_outstanding=max_outstanding)

    async def close(self) -> None:
        await self._bus.close()

    async def all_acked(self, subscription: str, topic: str, *, since: int = 0, within: float = 120) -> None:
        """Return once `subscription` acked every message published on `topic` (from the since-th on).

        Call it once the publishing is over (the outbox published): it cannot know what is to come."""

        def done() -> bool:
            published = self.published[topic][since:]
            return bool(published) and set(published) <= self.acked[subscription]

        await self._changes.until(
            done,
            f"{subscription} acking all {len(self.published[topic]) - since} messages published on {topic}",
            within=within,
        )


@dataclasses.dataclass
class EventPath:
    kind: str
    database: Database
    bus: TrackedBus
    topology: Topology
    relay: OutboxRelay

    def name(self, base: str) -> str:
        return scoped(self.topology, base)

    @property
    def writer(self) -> EventWriter:
        return EventWriter("//commerce-mesh/payments-tests", self.name("orders"))

    async def emit(self, count: int, *, aggregates: int = 10, per_transaction: int = 50, start: int = 0) -> None:
        """Commit `count` PaymentCaptured events over `aggregates` subjects, with sequences 1.. per subject."""
        for first in range(start, start + count, per_transaction):
            async with self.database.transaction() as conn:
                for n in range(first, min(first + per_transaction, start + count)):
                    subject = f"tenants/{TENANT}/paymentIntents/pi_{n % aggregates}"
                    await self.writer.emit(
                        conn, captured(n), subject=subject, tenant=TENANT, sequence=n // aggregates + 1
                    )

    async def effect_rows(self, consumer: str) -> list:
        async with self.database.transaction() as conn:
            return list(
                await conn.execute(sa.select(effects).where(effects.c.consumer == consumer).order_by(effects.c.id))
            )

    async def wait_for_effects(self, consumer: str, count: int, timeout: float = 60) -> list:
        async def reached() -> bool:
            return len(await self.effect_rows(consumer)) >= count

        await eventually(reached, f"{consumer} taking {count} effects", within=timeout)
        return await self.effect_rows(consumer)


def captured(n: int) -> events_pb2.PaymentCaptured:
    return events_pb2.PaymentCaptured(
        payment_intent=f"tenants/{TENANT}/paymentIntents/pi_{n}",
        amount=money_pb2.Money(currency_code="EUR", amount_minor=100 + n),
        psp="sandbox-alpha",
    )


async def open_path(kind: str, database: Database, bus: EventBus, topology: Topology) -> EventPath:
    await migrate(database, RUNTIME_MIGRATIONS)
    async with database.engine.begin() as conn:
        await conn.run_sync(effects_metadata.create_all)
    tracked = TrackedBus(bus)
    return EventPath(
        kind, database, tracked, topology, OutboxRelay(database, tracked, backoff_base=0.05, backoff_max=0.5)
    )


async def open_pubsub_path(emulator, database_url: str) -> EventPath:
    topology = bus_test_topology().with_prefix(unique_prefix())
    await provision(topology, emulator.project, emulator_host=emulator.host)
    bus = PubSubBus(emulator.project, emulator_host=emulator.host, publish_timeout=10.0)
    return await open_path("pubsub", Database.from_url(database_url), bus, topology)


@pytest.fixture(params=["memory", "pubsub"])
async def event_path(request, tmp_path) -> AsyncIterator[EventPath]:
    if request.param == "memory":
        topology = bus_test_topology().with_prefix(unique_prefix())
        path = await open_path(
            "memory",
            Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/events.db"),
            MemoryBus(topology, clock=ManualClock()),
            topology,
        )  # no deadline expires
    else:
        path = await open_pubsub_path(
            request.getfixturevalue("pubsub_emulator"), request.getfixturevalue("postgres_schema_url")
        )
    yield path
    await path.bus.close()
    await path.database.dispose()


async def record_effect(conn, consumer: str, envelope) -> None:
    await conn.execute(
        sa.insert(effects).values(
            consumer=consumer, event_id=envelope.id, subject=envelope.subject, sequence=envelope.sequence
        )
    )


@contextlib.asynccontextmanager
async def relaying(path: EventPath, relay: OutboxRelay | None = None):
    stop = asyncio.Event()
    task = asyncio.ensure_future((relay or path.relay).run(stop, idle_seconds=0.05))
    try:
        yield
    finally:
        stop.set()
        await task


async def unpublished(path: EventPath) -> int:
    async with path.database.transaction() as conn:
        return (
            await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))
        ).scalar_one()


async def wait_until_published(path: EventPath, timeout: float = 60) -> None:
    async def none_left() -> bool:
        return await unpublished(path) == 0

    await eventually(none_left, "the relay publishing every outbox row", within=timeout)
