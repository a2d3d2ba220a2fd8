"""Outbox → relay → bus → inbox, on MemoryBus + SQLite and on the Pub/Sub emulator + PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime
import random

import sqlalchemy as sa
from opentelemetry import trace

from mesh.events import EventConsumer, OutgoingMessage, PermanentError, build_envelope, replay_outbox
from mesh.events.consumer import DEAD_LETTER_REASON
from mesh.events.envelope import attributes_of
from mesh.events.provision import provision
from mesh.events.replay import replay_dead_letters
from mesh.persistence.tables import inbox
from tests.fixtures.pubsub import Recorder
from tests.integration.events.conftest import (
    TENANT,
    EventPath,
    captured,
    open_pubsub_path,
    record_effect,
    relaying,
    wait_until_published,
)
from tests.waiting import eventually

CAPTURED = "commerce.payments.v1.PaymentCaptured"


def consumer(path: EventPath, name: str, handler) -> EventConsumer:
    return EventConsumer(
        name, path.database, path.bus, {CAPTURED: handler}, dead_letter_topic=path.name("orders-dead-letter")
    )


async def test_thousand_events_with_duplicates_nacks_and_crashes_take_effect_once(event_path: EventPath) -> None:
    rng = random.Random(1000)
    failed = {"nacked": 0, "crashed": 0}

    async def handle(event, ctx) -> None:
        await record_effect(ctx.connection, "audit", ctx.envelope)
        roll = rng.random()
        if ctx.delivery_attempt == 1 and roll < 0.08:
            failed["nacked"] += 1
            raise RuntimeError("transient dependency failure")  # effect rolled back, nacked
        if roll > 0.96:
            failed["crashed"] += 1
            raise RuntimeError("crashed after writing its effect, before commit")  # rolled back

    subscription = event_path.name("orders-audit")
    first = await consumer(event_path, "audit", handle).start(subscription)
    async with relaying(event_path):
        await event_path.emit(1000)
        await wait_until_published(event_path)
        requeued = await replay_outbox(event_path.database, from_position=1, to_position=250)  # 250 duplicates
        await event_path.wait_for_effects("audit", 400)
        second = first
        if event_path.kind == "memory":
            # The consumer goes away mid-stream and a new one takes over. Not on the emulator: it
            # keeps leasing to a cancelled streaming pull and starves the next subscriber of the
            # same subscription (see mesh/events/pubsub_bus.py); real Pub/Sub closes such streams.
            await first.stop()
            second = await consumer(event_path, "audit", handle).start(subscription)
        await wait_until_published(event_path)
        await event_path.wait_for_effects("audit", 1000, timeout=120)
        # Every duplicate and redelivery handled: all that could add a row has had its chance.
        await event_path.bus.all_acked(subscription, event_path.name("orders"))
        await second.stop()

    rows = await event_path.effect_rows("audit")
    assert requeued == 250
    assert failed["nacked"] > 0 and failed["crashed"] > 0
    assert len(rows) == 1000
    assert len({row.event_id for row in rows}) == 1000


async def test_order_per_aggregate_holds(event_path: EventPath) -> None:
    async def handle(event, ctx) -> None:
        await record_effect(ctx.connection, "ledger", ctx.envelope)

    handle_ = await consumer(event_path, "ledger", handle).start(event_path.name("orders-ledger"))
    async with relaying(event_path):
        await event_path.emit(200, aggregates=5, per_transaction=7)
        rows = await event_path.wait_for_effects("ledger", 200)
    await handle_.stop()

    by_subject: dict[str, list[int]] = {}
    for row in rows:
        by_subject.setdefault(row.subject, []).append(row.sequence)
    assert len(by_subject) == 5
    assert all(seqs == sorted(seqs) and len(seqs) == 40 for seqs in by_subject.values())


async def test_poison_events_are_dead_lettered_while_healthy_ones_flow(event_path: EventPath) -> None:
    poisoned = f"tenants/{TENANT}/paymentIntents/pi_3"  # always fails: dead-lettered after 5 attempts
    permanent = f"tenants/{TENANT}/paymentIntents/pi_4"  # handler says it can never succeed

    async def handle(event, ctx) -> None:
        if ctx.envelope.subject == poisoned:
            raise RuntimeError("bug in handler")
        if ctx.envelope.subject == permanent:
            raise PermanentError("refers to an unknown account")
        await record_effect(ctx.connection, "audit", ctx.envelope)

    dead = Recorder()
    inspect = await event_path.bus.subscribe(event_path.name("orders-dead-letter-inspect"), dead)
    handle_ = await consumer(event_path, "audit", handle).start(event_path.name("orders-audit"))
    async with relaying(event_path):
        await event_path.emit(50, aggregates=10)
        rows = await event_path.wait_for_effects("audit", 40)
        await dead.wait_for_count(10)
    await handle_.stop()
    await inspect.stop()

    assert len(rows) == 40
    subjects = [build_subject(d) for d in dead.deliveries]
    assert sorted(set(subjects)) == [poisoned, permanent]
    reasons = {d.attributes.get(DEAD_LETTER_REASON, "") for d in dead.deliveries if build_subject(d) == permanent}
    assert reasons == {"permanent: refers to an unknown account"}


def build_subject(delivery) -> str:
    return delivery.attributes["ce-subject"]


async def test_unknown_type_and_undecodable_data_are_dead_lettered_with_a_reason(event_path: EventPath) -> None:
    dead = Recorder()
    inspect = await event_path.bus.subscribe(event_path.name("orders-dead-letter-inspect"), dead)
    handle_ = await consumer(event_path, "audit", lambda event, ctx: None).start(event_path.name("orders-audit"))
    unknown = build_envelope(captured(1), subject="tenants/acme/paymentIntents/pi_1", tenant=TENANT, source="//t")
    unknown.type = "commerce.payments.v1.NoSuchEvent"
    await event_path.bus.publish(
        event_path.name("orders"), OutgoingMessage(unknown.SerializeToString(), attributes_of(unknown))
    )
    await event_path.bus.publish(event_path.name("orders"), OutgoingMessage(b"\xff\x00not a protobuf"))

    await dead.wait_for_count(2)
    await handle_.stop()
    await inspect.stop()

    reasons = sorted(d.attributes[DEAD_LETTER_REASON].split(":")[0] for d in dead.deliveries)
    assert reasons == ["undecodable", "unknown event type commerce.payments.v1.NoSuchEvent"]


async def test_one_trace_spans_producer_consumer_and_downstream(event_path: EventPath, captured_spans) -> None:
    seen: list[trace.SpanContext] = []
    tracer = trace.get_tracer("tests")

    async def handle(event, ctx) -> None:
        seen.append(trace.get_current_span().get_span_context())
        await record_effect(ctx.connection, "audit", ctx.envelope)

    handle_ = await consumer(event_path, "audit", handle).start(event_path.name("orders-audit"))
    with tracer.start_as_current_span("PlaceOrder") as producer:
        await event_path.emit(1)
    async with relaying(event_path):
        await event_path.wait_for_effects("audit", 1)
    await handle_.stop()

    [consumed] = seen
    assert consumed.trace_id == producer.get_span_context().trace_id
    [process] = [s for s in captured_spans.get_finished_spans() if s.name == f"{CAPTURED} process"]
    assert process.parent.span_id == producer.get_span_context().span_id


async def test_dead_letters_replayed_after_a_fix_take_effect_once(event_path: EventPath) -> None:
    fixed = asyncio.Event()

    async def handle(event, ctx) -> None:
        if not fixed.is_set():
            raise PermanentError("handler bug")
        await record_effect(ctx.connection, "audit", ctx.envelope)

    handle_ = await consumer(event_path, "audit", handle).start(event_path.name("orders-audit"))
    async with relaying(event_path):
        await event_path.emit(5)
        await wait_until_published(event_path)

        async def all_dead_lettered() -> bool:
            async with event_path.database.transaction() as conn:
                return (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(inbox).where(inbox.c.outcome == "dead_lettered")
                    )
                ).scalar_one() == 5

        await eventually(all_dead_lettered, "5 events dead-lettered in the inbox")
        # ... and on the dead-letter topic (the consumer publishes there after its inbox row).
        await eventually(
            lambda: len(event_path.bus.published[event_path.name("orders-dead-letter")]) == 5,
            "5 events published to the dead-letter topic",
        )

        fixed.set()
        moved = await replay_dead_letters(
            event_path.bus, event_path.name("orders-dead-letter-inspect"), event_path.name("orders"), idle_seconds=2.0
        )
        rows = await event_path.wait_for_effects("audit", 5)
    await handle_.stop()

    assert moved == 5
    assert len(rows) == 5 and len({r.event_id for r in rows}) == 5


async def test_emulator_restart_mid_stream_loses_nothing_committed(own_pubsub_emulator, postgres_schema_url) -> None:
    path = await open_pubsub_path(own_pubsub_emulator, postgres_schema_url)
    try:

        async def handle(event, ctx) -> None:
            await record_effect(ctx.connection, "audit", ctx.envelope)

        handle_ = await consumer(path, "audit", handle).start(path.name("orders-audit"))
        started = datetime.datetime.now(datetime.UTC)
        async with relaying(path):
            await path.emit(300, per_transaction=10)
            await path.wait_for_effects("audit", 60)
            await asyncio.to_thread(own_pubsub_emulator.restart)  # forgets topics, subscriptions, messages
        lost = len(path.bus.published[path.name("orders")])  # what the restart took, as far as acks go
        # Recovery after a broker restart (README, "Operating the event path"): relay and consumers
        # stopped, topology healed, consumers started, the window since the outage began re-driven.
        # What the broker lost was published but not consumed; the inbox drops what took effect.
        await handle_.stop()
        healed = await provision(path.topology, own_pubsub_emulator.project, emulator_host=own_pubsub_emulator.host)
        handle_ = await consumer(path, "audit", handle).start(path.name("orders-audit"))
        await replay_outbox(path.database, since=started)
        async with relaying(path):
            await path.wait_for_effects("audit", 300, timeout=120)
            await wait_until_published(path)
            await path.bus.all_acked(path.name("orders-audit"), path.name("orders"), since=lost)
        await handle_.stop()
    finally:
        await path.bus.close()
        await path.database.dispose()

    rows = await path.effect_rows("audit")
    assert healed.changed
    assert len(rows) == 300 and len({r.event_id for r in rows}) == 300


async def test_known_event_types_without_a_handler_are_acked_and_ignored(event_path: EventPath) -> None:
    dead = Recorder()
    inspect = await event_path.bus.subscribe(event_path.name("orders-dead-letter-inspect"), dead)
    seen = Recorder()
    audit = EventConsumer(
        "audit",
        event_path.database,
        event_path.bus,
        {},  # handles nothing
        dead_letter_topic=event_path.name("orders-dead-letter"),
    )

    async def observe(delivery) -> None:
        await audit.handle(delivery)
        await seen(delivery)

    handle_ = await event_path.bus.subscribe(event_path.name("orders-audit"), observe)
    async with relaying(event_path):
        await event_path.emit(3)
        await wait_until_published(event_path)
        await event_path.bus.all_acked(event_path.name("orders-audit"), event_path.name("orders"))
    await handle_.stop()
    await inspect.stop()

    # A dead-letter would have been published before its delivery was acked: none was.
    assert event_path.bus.published[event_path.name("orders-dead-letter")] == []
    assert len(seen.acked) == 3 and dead.deliveries == []
