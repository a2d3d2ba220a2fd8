"""The relay claims per aggregate and publishes with no transaction open (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import sqlite3

import pytest
import sqlalchemy as sa

from mesh.events import EventWriter, OutboxRelay, PublishError
from mesh.events.bus import OutgoingMessage
from mesh.events.envelope import decode_envelope
from mesh.events.memory_bus import MemoryBus
from mesh.persistence import Database
from mesh.persistence.tables import outbox
from tests.fixtures.pubsub import WAIT_SECONDS, Recorder, bus_test_topology, scoped, unique_prefix
from tests.integration.events.conftest import TENANT, captured

STUCK = f"tenants/{TENANT}/paymentIntents/pi_stuck"
OTHER = f"tenants/{TENANT}/paymentIntents/pi_other"
PAUSE_SECONDS = 2.0  # a busy relay's pause in the pacing test: far longer than five commits take


@pytest.fixture
async def memory_bus():
    topology = bus_test_topology().with_prefix(unique_prefix())
    bus = MemoryBus(topology)
    yield bus, topology
    await bus.close()


async def emit(database: Database, topic: str, subject: str, count: int) -> None:
    writer = EventWriter("//commerce-mesh/relay-tests", topic)
    async with database.transaction() as conn:
        for n in range(count):
            await writer.emit(conn, captured(n), subject=subject, tenant=TENANT, sequence=n + 1)


async def unpublished_of(database: Database, subject: str) -> int:
    async with database.transaction() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(outbox)
                .where(outbox.c.ordering_key == subject, outbox.c.published_at.is_(None))
            )
        ).scalar_one()


class StuckAggregate:
    """The real bus, except for one aggregate: its publishes fail, or hang until released."""

    def __init__(self, bus, stuck: str, *, hang: bool = False) -> None:
        self._bus = bus
        self._stuck = stuck
        self._hang = hang
        self.release = asyncio.Event()
        self.hanging = asyncio.Event()

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        if message.ordering_key == self._stuck:
            if not self._hang:
                raise PublishError("the broker refuses this aggregate")
            self.hanging.set()
            await self.release.wait()
        return await self._bus.publish(topic, message)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay):
    stop = asyncio.Event()
    task = asyncio.ensure_future(relay.run(stop, idle_seconds=0.05))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_SECONDS)


async def test_a_failing_aggregate_with_1000_due_rows_does_not_delay_another_aggregates_event(
    database: Database, memory_bus
) -> None:
    bus, topology = memory_bus
    audit = Recorder()
    await bus.subscribe(scoped(topology, "orders-audit"), audit)
    await emit(database, scoped(topology, "orders"), STUCK, 1000)
    await emit(database, scoped(topology, "orders"), OTHER, 1)
    relay = OutboxRelay(database, StuckAggregate(bus, STUCK), batch_size=200, backoff_base=60)

    published = await relay.publish_pending()

    await audit.wait_for_count(1)
    assert published == 1
    assert [d.ordering_key for d in audit.deliveries] == [OTHER]
    assert await unpublished_of(database, STUCK) == 1000  # backed off at its head, in order behind it


async def test_a_hanging_aggregate_does_not_delay_events_committed_while_it_hangs(
    database: Database, memory_bus
) -> None:
    bus, topology = memory_bus
    audit = Recorder()
    await bus.subscribe(scoped(topology, "orders-audit"), audit)
    broker = StuckAggregate(bus, STUCK, hang=True)
    await emit(database, scoped(topology, "orders"), STUCK, 1000)

    async with running(OutboxRelay(database, broker, batch_size=200)):
        await asyncio.wait_for(broker.hanging.wait(), WAIT_SECONDS)
        await emit(database, scoped(topology, "orders"), OTHER, 3)
        await audit.wait_for_count(3)
        other_arrived_while_hanging = not broker.release.is_set()
        broker.release.set()
        await audit.wait_for_count(1003)

    assert other_arrived_while_hanging
    assert [d.ordering_key for d in audit.deliveries[:3]] == [OTHER] * 3
    assert [sequence_of(d.data) for d in audit.deliveries[3:]] == list(range(1, 1001))


def sequence_of(data: bytes) -> int:
    return decode_envelope(data).sequence


class TransactionProbe:
    """The real bus, noting at every publish whether the relay's database had a transaction open."""

    def __init__(self, bus, database: Database, sqlite_path: str | None) -> None:
        self._bus = bus
        self._database = database
        self._sqlite_path = sqlite_path
        self.seen: list[tuple[int, bool]] = []  # (connections checked out, SQLite write lock free)

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        self.seen.append((self._database.engine.pool.checkedout(), self._write_lock_free()))
        return await self._bus.publish(topic, message)

    def _write_lock_free(self) -> bool:
        if self._sqlite_path is None:
            return True
        probe = sqlite3.connect(self._sqlite_path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()


async def test_no_transaction_is_open_while_the_relay_publishes(database: Database, memory_bus) -> None:
    bus, topology = memory_bus
    for n in range(3):
        await emit(database, scoped(topology, "orders"), f"tenants/{TENANT}/paymentIntents/pi_{n}", 10)
    sqlite_path = database.engine.url.database if database.dialect == "sqlite" else None
    probe = TransactionProbe(bus, database, sqlite_path)

    published = await OutboxRelay(database, probe).publish_pending()

    assert published == 30 and len(probe.seen) == 30
    assert set(probe.seen) == {(0, True)}  # no connection checked out, SQLite's write lock free


class KeyOrder:
    """One relay's view of the real bus: records the sequence of every publish per ordering key
    in `sequences` (shared by the relays), and says when this relay has first published."""

    def __init__(self, bus, sequences: dict[str, list[int]]) -> None:
        self._bus = bus
        self.sequences = sequences
        self.published = asyncio.Event()

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        self.sequences.setdefault(message.ordering_key, []).append(sequence_of(message.data))
        message_id = await self._bus.publish(topic, message)
        self.published.set()
        return message_id


async def test_two_relays_of_one_database_share_the_work_and_keep_each_aggregates_order(
    database: Database, memory_bus
) -> None:
    bus, topology = memory_bus
    subjects = [f"tenants/{TENANT}/paymentIntents/pi_{n}" for n in range(8)]
    for subject in subjects:
        await emit(database, scoped(topology, "orders"), subject, 40)
    sequences: dict[str, list[int]] = {}
    first, second = KeyOrder(bus, sequences), KeyOrder(bus, sequences)
    relays = [OutboxRelay(database, broker, batch_size=20, rows_per_aggregate=5) for broker in (first, second)]

    async def drain(
        relay: OutboxRelay, *, before: asyncio.Event | None = None, after_one_pass: asyncio.Event | None = None
    ) -> int:
        if before is not None:
            await before.wait()
        published = 0
        while await unpublished_total(database):
            published += await relay.publish_pending()
            if after_one_pass is not None:
                await after_one_pass.wait()
                after_one_pass = None
        return published

    # One claim each to begin with, whatever the machine's load: the first relay claims while the
    # second waits, then pauses until the second has claimed and published; from then on both
    # run freely, competing for every claim.
    shares = await asyncio.wait_for(
        asyncio.gather(drain(relays[0], after_one_pass=second.published), drain(relays[1], before=first.published)),
        WAIT_SECONDS * 2,
    )

    assert sum(shares) == 320 and all(shares)  # both worked, nothing twice
    assert sequences == {subject: list(range(1, 41)) for subject in subjects}


async def unpublished_total(database: Database) -> int:
    async with database.transaction() as conn:
        return (
            await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))
        ).scalar_one()


async def test_a_row_still_backing_off_holds_back_the_later_rows_of_its_aggregate(
    database: Database, memory_bus
) -> None:
    bus, topology = memory_bus
    audit = Recorder()
    await bus.subscribe(scoped(topology, "orders-audit"), audit)
    await emit(database, scoped(topology, "orders"), OTHER, 3)
    async with database.transaction() as conn:  # as after a replay of the head: the second row still waits
        await conn.execute(
            sa.update(outbox)
            .where(outbox.c.position == 2)
            .values(next_attempt_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
        )

    published = await OutboxRelay(database, bus).publish_pending()

    await audit.wait_for_count(1)
    assert published == 1 and [sequence_of(d.data) for d in audit.deliveries] == [1]
    assert await unpublished_of(database, OTHER) == 2


class PassCounter:
    """The real bus, counting what each of the relay's passes (`passes`, one entry a claim) publishes."""

    def __init__(self, bus, passes: list[int]) -> None:
        self._bus = bus
        self.passes = passes
        self.first_pass_published = asyncio.Event()

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        message_id = await self._bus.publish(topic, message)
        self.passes[-1] += 1
        self.first_pass_published.set()
        return message_id


async def test_a_busy_relay_claims_what_was_committed_during_its_pause_in_one_pass(
    database: Database, memory_bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus, topology = memory_bus
    audit = Recorder()
    await bus.subscribe(scoped(topology, "orders-audit"), audit)
    passes: list[int] = []
    counter = PassCounter(bus, passes)
    relay = OutboxRelay(database, counter, busy_pass_seconds=PAUSE_SECONDS)
    claim = relay._claim

    async def counted_claim(limits):
        claimed = await claim(limits)
        if claimed:
            passes.append(0)
        return claimed

    monkeypatch.setattr(relay, "_claim", counted_claim)
    await emit(database, scoped(topology, "orders"), OTHER, 1)

    async with running(relay):
        await asyncio.wait_for(counter.first_pass_published.wait(), WAIT_SECONDS)
        for n in range(5):  # committed while the relay pauses after its busy pass
            await emit(database, scoped(topology, "orders"), f"tenants/{TENANT}/paymentIntents/pi_{n}", 2)
        await audit.wait_for_count(11)

    assert passes == [1, 10]  # five aggregates committed during the pause: one claim
