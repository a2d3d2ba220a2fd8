"""A dead letter never overwrites a handled inbox row.

An envelope that reuses the id of an event this consumer handled already, and is then refused
(its tenant does not own its subject, or its type is unknown), is dead-lettered and acked like
any other; but the inbox keeps the first event as handled. Were the row turned dead-lettered, a
later replay of that event would run its handler a second time: a double booking.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from mesh.events import EventConsumer, EventContext, build_envelope, inbox
from mesh.events.bus import Delivery, Handler, OutgoingMessage, SubscriptionHandle
from mesh.events.consumer import DEAD_LETTER_REASON
from mesh.events.envelope import EventEnvelope, attributes_of
from mesh.persistence import Database
from mesh.persistence.tables import inbox as inbox_table
from mesh.telemetry import ConsumerMetrics, ConsumerOutcome
from tests.integration.events.conftest import TENANT, captured, effects, effects_metadata, record_effect

CAPTURED = "commerce.payments.v1.PaymentCaptured"
CONSUMER = "billing"
DEAD_LETTER_TOPIC = "orders-dead-letter"


class DeadLetters:
    """The consumer's bus, as far as dead-lettering goes: keeps what is published."""

    def __init__(self) -> None:
        self.published: list[tuple[str, OutgoingMessage]] = []

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        self.published.append((topic, message))
        return f"dl-{len(self.published)}"

    async def subscribe(self, subscription: str, handler: Handler, *, max_outstanding: int = 100) -> SubscriptionHandle:
        raise NotImplementedError("the tests deliver by hand")

    async def close(self) -> None:
        pass


class Outcomes(ConsumerMetrics):
    """The outcome the consumer recorded for each delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[ConsumerOutcome | str] = []

    def record(self, destination: str, outcome: ConsumerOutcome | str, seconds: float) -> None:
        self.seen.append(outcome)


async def book(event, ctx: EventContext) -> None:
    await record_effect(ctx.connection, CONSUMER, ctx.envelope)


def delivery_of(envelope: EventEnvelope, attempt: int = 1) -> Delivery:
    return Delivery(
        f"m-{envelope.id}-{attempt}",
        envelope.SerializeToString(),
        attributes_of(envelope),
        envelope.subject,
        attempt,
        "orders-billing",
    )


def another_tenants(original: EventEnvelope) -> EventEnvelope:
    event = captured(1)
    return build_envelope(event, subject=event.payment_intent, tenant="globex", source="//tests", event_id=original.id)


def of_unknown_type(original: EventEnvelope) -> EventEnvelope:
    event = captured(1)
    envelope = build_envelope(
        event, subject=event.payment_intent, tenant=TENANT, source="//tests", event_id=original.id
    )
    envelope.type = "commerce.payments.v1.NoSuchEvent"
    return envelope


REUSING = {"a-failed-tenant-check": another_tenants, "an-unknown-type": of_unknown_type}


@pytest.fixture
async def booking_database(database: Database) -> Database:
    async with database.engine.begin() as conn:
        await conn.run_sync(effects_metadata.create_all)
    return database


async def inbox_row(database: Database, event_id: str) -> tuple[str, str | None] | None:
    async with database.transaction() as conn:
        row = (
            await conn.execute(
                sa.select(inbox_table.c.outcome, inbox_table.c.detail).where(
                    inbox_table.c.consumer == CONSUMER, inbox_table.c.event_id == event_id
                )
            )
        ).first()
    return None if row is None else (row.outcome, row.detail)


async def booked_event_ids(database: Database) -> list[str]:
    async with database.transaction() as conn:
        return list(
            (
                await conn.execute(
                    sa.select(effects.c.event_id).where(effects.c.consumer == CONSUMER).order_by(effects.c.id)
                )
            ).scalars()
        )


@pytest.mark.parametrize("reusing", REUSING.values(), ids=REUSING.keys())
async def test_a_dead_lettered_envelope_reusing_a_handled_id_leaves_it_handled_and_a_replay_a_duplicate(
    booking_database: Database, reusing, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mesh.events")
    dead, outcomes = DeadLetters(), Outcomes()
    consumer = EventConsumer(
        CONSUMER, booking_database, dead, {CAPTURED: book}, dead_letter_topic=DEAD_LETTER_TOPIC, metrics=outcomes
    )
    event = captured(1)
    original = build_envelope(event, subject=event.payment_intent, tenant=TENANT, source="//tests")
    await consumer.handle(delivery_of(original))
    reused = reusing(original)

    await consumer.handle(delivery_of(reused))  # returned, not raised: acked
    await consumer.handle(delivery_of(original, attempt=2))  # a replay of the handled event

    assert outcomes.seen == [ConsumerOutcome.ACKED, ConsumerOutcome.DEAD_LETTERED, ConsumerOutcome.DUPLICATE]
    assert [(topic, message.data) for topic, message in dead.published] == [
        (DEAD_LETTER_TOPIC, reused.SerializeToString())
    ]
    assert DEAD_LETTER_REASON in dead.published[0][1].attributes
    assert await inbox_row(booking_database, original.id) == ("handled", None)
    assert await booked_event_ids(booking_database) == [original.id]  # booked once
    assert [r for r in caplog.records if "reuses the id of an event handled already" in r.getMessage()]


async def test_a_dead_letter_is_recorded_for_a_new_id_and_replaces_an_earlier_dead_letter_only(
    database: Database,
) -> None:
    event = captured(2)
    envelope = build_envelope(event, subject=event.payment_intent, tenant=TENANT, source="//tests")
    handled = build_envelope(event, subject=event.payment_intent, tenant=TENANT, source="//tests")
    async with database.transaction() as conn:
        assert await inbox.claim_all(conn, CONSUMER, [handled]) == {handled.id}

    async with database.transaction() as conn:
        first = await inbox.record_dead_letter(conn, CONSUMER, envelope, "first reason")
    async with database.transaction() as conn:
        again = await inbox.record_dead_letter(conn, CONSUMER, envelope, "second reason")
    async with database.transaction() as conn:
        over_handled = await inbox.record_dead_letter(conn, CONSUMER, handled, "a reused id")

    assert (first, again, over_handled) == (True, True, False)
    assert await inbox_row(database, envelope.id) == ("dead_lettered", "second reason")
    assert await inbox_row(database, handled.id) == ("handled", None)
