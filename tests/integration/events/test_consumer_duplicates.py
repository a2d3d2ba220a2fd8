"""Only the inbox decides what is a duplicate: a handler's own unique violation is a failure."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from mesh.events import EventConsumer, build_envelope
from mesh.events.bus import Delivery
from mesh.events.envelope import EventEnvelope
from mesh.persistence import Database
from mesh.persistence.tables import inbox
from tests.fixtures.pubsub import WAIT_SECONDS, Recorder
from tests.integration.events.conftest import TENANT, EventPath, captured
from tests.waiting import eventually

CAPTURED = "commerce.payments.v1.PaymentCaptured"
handler_metadata = sa.MetaData()
# The handler's own table: one booking per payment intent, enforced by a unique key of its own.
bookings = sa.Table(
    "test_bookings",
    handler_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("payment_intent", sa.String(512), nullable=False, unique=True),
    sa.Column("event_id", sa.String(128), nullable=False),
)
# No unique key at all: only the inbox stands between a redelivery and a second row.
audit_rows = sa.Table(
    "test_audit_rows",
    handler_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(128), nullable=False),
)


async def book(event, ctx) -> None:
    await ctx.connection.execute(
        sa.insert(bookings).values(payment_intent=event.payment_intent, event_id=ctx.envelope.id)
    )


def envelope_for(intent: int) -> EventEnvelope:
    event = captured(intent)
    return build_envelope(event, subject=event.payment_intent, tenant=TENANT, source="//tests")


def delivery_of(envelope: EventEnvelope, attempt: int = 1) -> Delivery:
    return Delivery(
        f"m-{envelope.id}-{attempt}",
        envelope.SerializeToString(),
        {"ce-id": envelope.id},
        envelope.subject,
        attempt,
        "tests",
    )


async def audit(event, ctx) -> None:
    await ctx.connection.execute(sa.insert(audit_rows).values(event_id=ctx.envelope.id))


async def audited_event_ids(database: Database) -> list[str]:
    async with database.transaction() as conn:
        return list((await conn.execute(sa.select(audit_rows.c.event_id).order_by(audit_rows.c.id))).scalars())


async def inbox_outcome(database: Database, event_id: str) -> str | None:
    async with database.transaction() as conn:
        return (await conn.execute(sa.select(inbox.c.outcome).where(inbox.c.event_id == event_id))).scalar()


async def booked_event_ids(database: Database) -> list[str]:
    async with database.transaction() as conn:
        return list((await conn.execute(sa.select(bookings.c.event_id).order_by(bookings.c.id))).scalars())


@pytest.fixture
async def booking_database(database: Database) -> Database:
    async with database.engine.begin() as conn:
        await conn.run_sync(handler_metadata.create_all)
    return database


async def test_a_handlers_own_unique_violation_is_nacked_not_acked_as_a_duplicate(booking_database: Database) -> None:
    consumer = EventConsumer("billing", booking_database, bus=None, handlers={CAPTURED: book}, dead_letter_topic="")
    first, clashing = envelope_for(7), envelope_for(7)  # two different events booking the same intent
    await consumer.handle(delivery_of(first))

    with pytest.raises(sa.exc.IntegrityError):
        await consumer.handle(delivery_of(clashing))

    assert await inbox_outcome(booking_database, clashing.id) is None  # not marked seen: it will come back
    assert await booked_event_ids(booking_database) == [first.id]


async def test_an_event_nacked_for_a_handlers_unique_violation_takes_effect_on_redelivery(
    booking_database: Database,
) -> None:
    consumer = EventConsumer("billing", booking_database, bus=None, handlers={CAPTURED: book}, dead_letter_topic="")
    first, clashing = envelope_for(8), envelope_for(8)
    await consumer.handle(delivery_of(first))
    with pytest.raises(sa.exc.IntegrityError):
        await consumer.handle(delivery_of(clashing))
    async with booking_database.transaction() as conn:  # the operator fixes the data
        await conn.execute(sa.delete(bookings).where(bookings.c.event_id == first.id))

    await consumer.handle(delivery_of(clashing, attempt=2))

    assert await inbox_outcome(booking_database, clashing.id) == "handled"
    assert await booked_event_ids(booking_database) == [clashing.id]


async def test_a_redelivered_event_is_a_duplicate_by_the_inbox_alone(booking_database: Database) -> None:
    consumer = EventConsumer("audit", booking_database, bus=None, handlers={CAPTURED: audit}, dead_letter_topic="")
    envelope = envelope_for(9)
    await consumer.handle(delivery_of(envelope))

    await consumer.handle(delivery_of(envelope, attempt=2))  # returns: acked, nothing written twice

    assert await audited_event_ids(booking_database) == [envelope.id]


async def test_concurrent_deliveries_of_one_event_take_effect_once_and_both_ack(booking_database: Database) -> None:
    first_inside, second_waiting = asyncio.Event(), asyncio.Event()

    async def slow_audit(event, ctx) -> None:
        if first_inside.is_set():
            return await audit(event, ctx)  # the second delivery, if the inbox let it through
        first_inside.set()
        await asyncio.wait_for(second_waiting.wait(), WAIT_SECONDS)
        await audit(event, ctx)

    consumer = EventConsumer(
        "audit", booking_database, bus=None, handlers={CAPTURED: slow_audit}, dead_letter_topic="", max_transactions=2
    )  # two transactions at once
    envelope = envelope_for(10)
    first = asyncio.ensure_future(consumer.handle(delivery_of(envelope)))
    await asyncio.wait_for(first_inside.wait(), WAIT_SECONDS)
    second = asyncio.ensure_future(consumer.handle(delivery_of(envelope, attempt=2)))
    await wait_until_blocked(booking_database, second)
    second_waiting.set()

    await asyncio.wait_for(asyncio.gather(first, second), WAIT_SECONDS)  # neither raised: both ack
    assert await audited_event_ids(booking_database) == [envelope.id]


async def wait_until_blocked(database: Database, task: asyncio.Task) -> None:
    """Until the second delivery waits for the first's inbox row (PostgreSQL: an ungranted lock)
    or for SQLite's one writer."""

    async def blocked() -> bool:
        assert not task.done(), "the second delivery finished before the first committed"
        return await _blocked(database)

    await eventually(blocked, "the second delivery blocking on the first", within=WAIT_SECONDS)


async def _blocked(database: Database) -> bool:
    if database.dialect == "sqlite":
        return True  # its BEGIN IMMEDIATE can only follow the first's commit, whenever it starts
    async with database.engine.connect() as conn:
        return bool(
            (
                await conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE NOT l.granted AND a.datname = current_database()"
                    )
                )
            ).scalar()
        )


async def test_a_handlers_unique_violation_ends_dead_lettered_after_its_attempts(event_path: EventPath) -> None:
    async with event_path.database.engine.begin() as conn:
        await conn.run_sync(handler_metadata.create_all)
    dead = Recorder()
    inspect = await event_path.bus.subscribe(event_path.name("orders-dead-letter-inspect"), dead)
    consumer = EventConsumer(
        "billing",
        event_path.database,
        event_path.bus,
        {CAPTURED: book},
        dead_letter_topic=event_path.name("orders-dead-letter"),
    )
    handle = await consumer.start(event_path.name("orders-audit"))
    first, clashing = envelope_for(11), envelope_for(11)
    stop = asyncio.Event()
    relay = asyncio.ensure_future(event_path.relay.run(stop, idle_seconds=0.05))
    try:
        await commit(event_path, first)
        await wait_for_outcome(event_path.database, first.id)
        await commit(event_path, clashing)  # books the same intent: the handler's own key refuses it
        await dead.wait_for_count(1)
    finally:
        stop.set()
        await relay
        await handle.stop()
        await inspect.stop()

    assert [d.attributes["ce-id"] for d in dead.deliveries] == [clashing.id]
    assert await inbox_outcome(event_path.database, clashing.id) is None
    assert await booked_event_ids(event_path.database) == [first.id]


async def commit(path: EventPath, envelope: EventEnvelope) -> None:
    async with path.database.transaction() as conn:
        await path.writer.emit(conn, captured(11), subject=envelope.subject, tenant=TENANT, event_id=envelope.id)


async def wait_for_outcome(database: Database, event_id: str) -> None:
    async def outcome_recorded() -> bool:
        return await inbox_outcome(database, event_id) is not None

    await eventually(outcome_recorded, f"{event_id} being handled", within=WAIT_SECONDS)


class HeldFirstDelivery:
    """A handler whose first call keeps the consumer's transaction open until released, so the
    deliveries that follow queue up and share the next transaction."""

    def __init__(self, then) -> None:
        self._then = then
        self.inside, self.release = asyncio.Event(), asyncio.Event()

    async def __call__(self, event, ctx) -> None:
        if not self.inside.is_set():
            self.inside.set()
            await asyncio.wait_for(self.release.wait(), WAIT_SECONDS)
        await self._then(event, ctx)


async def handle_behind_a_held_transaction(
    consumer: EventConsumer, held: HeldFirstDelivery, first_event: EventEnvelope, deliveries: list[Delivery]
) -> list:
    first = asyncio.ensure_future(consumer.handle(delivery_of(first_event)))
    await asyncio.wait_for(held.inside.wait(), WAIT_SECONDS)
    queued = [asyncio.ensure_future(consumer.handle(delivery)) for delivery in deliveries]
    await asyncio.sleep(0)  # one loop turn: each starts in creation order and queues behind the first
    held.release.set()
    return (await asyncio.wait_for(asyncio.gather(first, *queued, return_exceptions=True), WAIT_SECONDS))[1:]


async def test_deliveries_sharing_a_transaction_each_get_their_own_outcome(booking_database: Database) -> None:
    clashing_intent = 20

    async def audit_or_clash(event, ctx) -> None:
        if event.payment_intent.endswith(f"pi_{clashing_intent}"):
            await book(event, ctx)  # already booked below: the handler's own key refuses it
        await audit(event, ctx)

    held = HeldFirstDelivery(audit_or_clash)
    consumer = EventConsumer("audit", booking_database, bus=None, handlers={CAPTURED: held}, dead_letter_topic="")
    async with booking_database.transaction() as conn:
        await conn.execute(
            sa.insert(bookings).values(payment_intent=captured(clashing_intent).payment_intent, event_id="earlier")
        )
    first, envelopes = envelope_for(99), [envelope_for(n) for n in range(15, 25)]

    outcomes = await handle_behind_a_held_transaction(consumer, held, first, [delivery_of(e) for e in envelopes])

    failed = [e.id for e, outcome in zip(envelopes, outcomes, strict=True) if isinstance(outcome, Exception)]
    assert failed == [envelopes[clashing_intent - 15].id]
    assert sorted(await audited_event_ids(booking_database)) == sorted(
        [first.id] + [e.id for e in envelopes if e.id not in failed]
    )  # each once, the clash not at all


async def test_two_deliveries_of_one_event_in_one_shared_transaction_take_effect_once(
    booking_database: Database,
) -> None:
    held = HeldFirstDelivery(audit)
    consumer = EventConsumer("audit", booking_database, bus=None, handlers={CAPTURED: held}, dead_letter_topic="")
    twice = envelope_for(30)

    outcomes = await handle_behind_a_held_transaction(
        consumer, held, envelope_for(31), [delivery_of(twice), delivery_of(twice, 2)]
    )

    assert outcomes == [None, None]  # both acked
    assert (await audited_event_ids(booking_database)).count(twice.id) == 1
