"""An event whose tenant does not own its subject is dead-lettered by the consumer, never handled.

Once through the whole path (outbox → relay → bus → consumer, on MemoryBus + SQLite and on the
Pub/Sub emulator + PostgreSQL), and once delivery by delivery, where "acked" is visible: a
delivery the consumer returns from is acked, one it raises from is nacked and comes back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from google.protobuf.message import Message

from mesh.events import EventConsumer, EventContext, build_envelope
from mesh.events.bus import Delivery
from mesh.events.consumer import DEAD_LETTER_REASON
from mesh.events.envelope import EventEnvelope, attributes_of
from mesh.events.memory_bus import MemoryBus
from mesh.persistence import Database
from mesh.persistence.tables import inbox
from mesh.telemetry import ConsumerMetrics, ConsumerOutcome
from tests.fixtures.pubsub import Recorder, bus_test_topology, unique_prefix
from tests.integration.events.conftest import (
    TENANT,
    EventPath,
    captured,
    effects_metadata,
    record_effect,
    relaying,
)

CAPTURED = "commerce.payments.v1.PaymentCaptured"
SECRET = "cap-secret-7f3a9"  # in every event's data: it must never reach a log line or a reason
OWNED = f"tenants/{TENANT}/paymentIntents/pi_1"
PREFIX = unique_prefix()

# (tenant, subject) of envelopes whose tenant does not own the subject, by what is wrong with them.
NOT_OWNED: dict[str, tuple[str, str]] = {
    "another-tenants-subject": ("globex", OWNED),
    "a-tenant-whose-id-extends-ours": (TENANT, f"tenants/{TENANT}corp/paymentIntents/pi_1"),
    "no-subject": (TENANT, ""),
    "a-subject-outside-any-tenant": (TENANT, "paymentIntents/pi_1"),
    "the-tenant-itself": (TENANT, f"tenants/{TENANT}"),
    "no-tenant": ("", OWNED),
    "not-a-tenant-id": ("Acme Corp", "tenants/Acme Corp/paymentIntents/pi_1"),
}


def event_with_secret(n: int) -> Message:
    event = captured(n)
    event.psp_reference = SECRET
    return event


class HandledEvents:
    """The handler: records each event it is given, as an effect in the consumer's transaction."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, event: Message, ctx: EventContext) -> None:
        self.ids.append(ctx.envelope.id)
        await record_effect(ctx.connection, "audit", ctx.envelope)


async def inbox_rows(database: Database, consumer: str) -> dict[str, tuple[str, str | None]]:
    async with database.transaction() as conn:
        rows = await conn.execute(
            sa.select(inbox.c.event_id, inbox.c.outcome, inbox.c.detail).where(inbox.c.consumer == consumer)
        )
        return {row.event_id: (row.outcome, row.detail) for row in rows}


def no_secret_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return not [record for record in caplog.records if SECRET in record.getMessage() or SECRET in str(record.__dict__)]


async def test_events_whose_tenant_does_not_own_the_subject_are_dead_lettered_while_owned_ones_flow(
    event_path: EventPath, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mesh.events")
    handled, dead = HandledEvents(), Recorder()
    inspect = await event_path.bus.subscribe(event_path.name("orders-dead-letter-inspect"), dead)
    consumer = EventConsumer(
        "audit",
        event_path.database,
        event_path.bus,
        {CAPTURED: handled},
        dead_letter_topic=event_path.name("orders-dead-letter"),
    )
    handle = await consumer.start(event_path.name("orders-audit"))
    async with event_path.database.transaction() as conn:  # what a faulty producer would commit
        owned = await event_path.writer.emit(conn, event_with_secret(0), subject=OWNED, tenant=TENANT)
        refused = [
            await event_path.writer.emit(conn, event_with_secret(n), subject=subject, tenant=tenant)
            for n, (tenant, subject) in enumerate(NOT_OWNED.values(), start=1)
        ]
    try:
        async with relaying(event_path):
            await dead.wait_for_count(len(refused))
            await event_path.wait_for_effects("audit", 1)
    finally:
        await handle.stop()
        await inspect.stop()

    assert handled.ids == [owned.id]
    assert sorted(d.attributes["ce-id"] for d in dead.deliveries) == sorted(e.id for e in refused)
    assert all(d.attributes[DEAD_LETTER_REASON].startswith("tenant ") for d in dead.deliveries)
    rows = await inbox_rows(event_path.database, "audit")
    assert {event_id: outcome for event_id, (outcome, _) in rows.items()} == {
        owned.id: "handled",
        **{e.id: "dead_lettered" for e in refused},
    }
    assert no_secret_logged(caplog)


class Outcomes(ConsumerMetrics):
    """The outcome the consumer recorded for each delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[ConsumerOutcome | str] = []

    def record(self, destination: str, outcome: ConsumerOutcome | str, seconds: float) -> None:
        self.seen.append(outcome)


def delivery_of(envelope: EventEnvelope, attempt: int = 1) -> Delivery:
    return Delivery(
        f"m-{envelope.id}-{attempt}",
        envelope.SerializeToString(),
        attributes_of(envelope),
        envelope.subject,
        attempt,
        "orders-audit",
    )


@pytest.fixture
async def memory_bus() -> AsyncIterator[MemoryBus]:
    bus = MemoryBus(bus_test_topology().with_prefix(PREFIX))
    yield bus
    await bus.close()


@pytest.fixture
async def effects_database(database: Database) -> Database:
    async with database.engine.begin() as conn:
        await conn.run_sync(effects_metadata.create_all)
    return database


@pytest.mark.parametrize(("tenant", "subject"), NOT_OWNED.values(), ids=NOT_OWNED.keys())
async def test_a_delivery_whose_tenant_does_not_own_the_subject_is_dead_lettered_and_acked_never_handled(
    effects_database: Database, memory_bus: MemoryBus, tenant: str, subject: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mesh.events")
    handled, dead, outcomes = HandledEvents(), Recorder(), Outcomes()
    inspect = await memory_bus.subscribe(f"{PREFIX}orders-dead-letter-inspect", dead)
    consumer = EventConsumer(
        "audit",
        effects_database,
        memory_bus,
        {CAPTURED: handled},
        dead_letter_topic=f"{PREFIX}orders-dead-letter",
        metrics=outcomes,
    )
    envelope = build_envelope(event_with_secret(1), subject=subject, tenant=tenant, source="//tests")
    reason = f"tenant {tenant!r} does not own subject {subject!r}"

    await consumer.handle(delivery_of(envelope))  # returned, not raised: acked, so never redelivered
    await consumer.handle(delivery_of(envelope, attempt=2))  # a second copy meets the same check
    await dead.wait_for_count(2)
    await inspect.stop()

    assert handled.ids == []
    assert outcomes.seen == [ConsumerOutcome.DEAD_LETTERED] * 2
    assert [d.data for d in dead.deliveries] == [envelope.SerializeToString()] * 2  # as it came, for a replay
    assert [d.attributes[DEAD_LETTER_REASON] for d in dead.deliveries] == [reason] * 2
    assert await inbox_rows(effects_database, "audit") == {envelope.id: ("dead_lettered", reason)}
    assert [r for r in caplog.records if r.getMessage() == f"dead-lettering event: {reason}"]
    assert no_secret_logged(caplog)


async def test_a_delivery_whose_tenant_owns_the_subject_is_handled(
    effects_database: Database, memory_bus: MemoryBus
) -> None:
    # The other side of the check above: it refuses what it must, not everything.
    handled, outcomes = HandledEvents(), Outcomes()
    consumer = EventConsumer(
        "audit",
        effects_database,
        memory_bus,
        {CAPTURED: handled},
        dead_letter_topic=f"{PREFIX}orders-dead-letter",
        metrics=outcomes,
    )
    envelope = build_envelope(event_with_secret(1), subject=f"{OWNED}/refunds/re_1", tenant=TENANT, source="//tests")

    await consumer.handle(delivery_of(envelope))

    assert (handled.ids, outcomes.seen) == ([envelope.id], [ConsumerOutcome.ACKED])
    assert await inbox_rows(effects_database, "audit") == {envelope.id: ("handled", None)}
