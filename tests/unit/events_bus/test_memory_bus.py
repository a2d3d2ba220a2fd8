"""MemoryBus rules the emulator cannot show: deadline expiry, key blocking, backoff, one subscriber."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mesh.events.bus import DEAD_LETTER_DELIVERY_COUNT, Delivery, OutgoingMessage
from mesh.events.memory_bus import MemoryBus
from mesh.events.topology import SubscriptionSpec, Topic, Topology
from tests.clock import ManualClock
from tests.fixtures.pubsub import Recorder

KEY = "tenants/t1/orders/1"
ACK_DEADLINE = 10


def topology(*, min_backoff: float = 0, max_backoff: float = 0) -> Topology:
    def spec(name: str, topic: str, *, ordered: bool = False, dead_letter_topic: str = "") -> SubscriptionSpec:
        return SubscriptionSpec(
            name=name,
            topic=topic,
            consumer="tests",
            ordered=ordered,
            ack_deadline_seconds=ACK_DEADLINE,
            max_delivery_attempts=5,
            dead_letter_topic=dead_letter_topic,
            min_backoff_seconds=min_backoff,
            max_backoff_seconds=max_backoff,
        )

    return Topology(
        topics=(Topic("orders"), Topic("orders-dead-letter")),
        subscriptions=(
            spec("orders-audit", "orders", dead_letter_topic="orders-dead-letter"),
            spec("orders-ledger", "orders", ordered=True, dead_letter_topic="orders-dead-letter"),
            spec("orders-dead-letter-inspect", "orders-dead-letter"),
        ),
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def bus(clock: ManualClock) -> AsyncIterator[MemoryBus]:
    memory_bus = MemoryBus(topology(), clock=clock)
    yield memory_bus
    await memory_bus.close()


async def test_handler_slower_than_its_ack_deadline_gets_redelivered_and_its_late_acks_ignored(
    bus: MemoryBus, clock: ManualClock
) -> None:
    async def ack_after_the_next_attempt_began(delivery: Delivery) -> None:
        # Each attempt of A outlives its ack deadline, then returns normally: a late ack.
        if delivery.data != b"A":
            return
        if delivery.delivery_attempt < 5:
            await ledger.wait_for(lambda: ledger.payloads().count(b"A") > delivery.delivery_attempt)
        else:
            await dead_letters.wait_for_count(1)

    ledger, dead_letters = Recorder(ack_after_the_next_attempt_began), Recorder()
    await bus.subscribe("orders-ledger", ledger)
    await bus.subscribe("orders-dead-letter-inspect", dead_letters)

    await bus.publish("orders", OutgoingMessage(b"A", ordering_key=KEY))
    await bus.publish("orders", OutgoingMessage(b"B", ordering_key=KEY))
    for attempt in range(1, 6):  # each attempt's deadline passes while its handler still runs
        await ledger.wait_for_count(attempt)
        await clock.until_pending(clock.now + ACK_DEADLINE)
        clock.advance(ACK_DEADLINE)

    # A late ack that counted would settle A early and let B overtake it.
    await ledger.wait_for(lambda: b"B" in [d.data for d in ledger.acked])
    assert [(d.data, d.delivery_attempt) for d in ledger.deliveries] == [
        (b"A", 1),
        (b"A", 2),
        (b"A", 3),
        (b"A", 4),
        (b"A", 5),
        (b"B", 1),
    ]
    assert [(d.data, d.attributes[DEAD_LETTER_DELIVERY_COUNT]) for d in dead_letters.deliveries] == [(b"A", "5")]


async def test_nacked_ordered_message_blocks_its_key_until_it_succeeds(bus: MemoryBus) -> None:
    async def fail_first_twice(delivery: Delivery) -> None:
        if delivery.data == b"A" and delivery.delivery_attempt < 3:
            raise RuntimeError("not yet")

    ledger = Recorder(fail_first_twice)
    await bus.subscribe("orders-ledger", ledger)
    for data in (b"A", b"B", b"C"):
        await bus.publish("orders", OutgoingMessage(data, ordering_key=KEY))

    await ledger.wait_for(lambda: len(ledger.acked) == 3)
    assert [(d.data, d.delivery_attempt) for d in ledger.deliveries] == [
        (b"A", 1),
        (b"A", 2),
        (b"A", 3),
        (b"B", 1),
        (b"C", 1),
    ]


async def test_dead_lettered_ordered_message_releases_its_key(bus: MemoryBus) -> None:
    async def reject_poison(delivery: Delivery) -> None:
        if delivery.data == b"poison":
            raise ValueError("cannot parse")

    ledger = Recorder(reject_poison)
    await bus.subscribe("orders-ledger", ledger)
    await bus.publish("orders", OutgoingMessage(b"poison", ordering_key=KEY))
    await bus.publish("orders", OutgoingMessage(b"next", ordering_key=KEY))

    await ledger.wait_for(lambda: len(ledger.acked) == 1)
    assert [d.data for d in ledger.deliveries] == [b"poison"] * 5 + [b"next"]


async def test_redelivery_waits_the_subscription_backoff(clock: ManualClock) -> None:
    bus = MemoryBus(topology(min_backoff=4, max_backoff=8), clock=clock)
    seen_at: list[float] = []

    async def nack_first(delivery: Delivery) -> None:
        seen_at.append(clock.now)
        if delivery.delivery_attempt == 1:
            raise RuntimeError("retry later")

    audit = Recorder(nack_first)
    try:
        await bus.subscribe("orders-audit", audit)
        await bus.publish("orders", OutgoingMessage(b"backoff"))
        await audit.wait_for_count(1)
        await clock.until_pending(4)  # nacked: its ack deadline cancelled, the 4 s backoff set
        clock.advance(3.999)
        assert clock.pending() == [4] and len(audit.deliveries) == 1  # timers never fire early
        clock.advance(0.001)
        await audit.wait_for(lambda: len(audit.acked) == 1)
    finally:
        await bus.close()
    assert seen_at == [0, 4]


async def test_stopped_subscription_keeps_its_backlog_for_the_next_subscriber(bus: MemoryBus) -> None:
    handle = await bus.subscribe("orders-audit", Recorder())
    await handle.stop()
    await bus.publish("orders", OutgoingMessage(b"while-away"))

    later = Recorder()
    await bus.subscribe("orders-audit", later)

    await later.wait_for_count(1)
    assert later.payloads() == [b"while-away"]


async def test_second_subscriber_on_one_subscription_is_refused(bus: MemoryBus) -> None:
    await bus.subscribe("orders-audit", Recorder())

    with pytest.raises(RuntimeError, match="already has a subscriber"):
        await bus.subscribe("orders-audit", Recorder())


async def test_subscribe_to_an_undefined_subscription_raises_key_error(bus: MemoryBus) -> None:
    with pytest.raises(KeyError, match="orders-unknown"):
        await bus.subscribe("orders-unknown", Recorder())


async def test_handler_cannot_alter_the_attributes_a_redelivery_carries(bus: MemoryBus) -> None:
    refused: list[str] = []

    async def tamper_then_fail(delivery: Delivery) -> None:
        if delivery.delivery_attempt == 1:
            try:
                delivery.attributes["ce-type"] = "tampered"  # type: ignore[index]
            except TypeError:
                refused.append(delivery.message_id)
            raise RuntimeError("retry")

    audit = Recorder(tamper_then_fail)
    await bus.subscribe("orders-audit", audit)
    message_id = await bus.publish("orders", OutgoingMessage(b"x", {"ce-type": "commerce.orders.v1.OrderPlaced"}))

    await audit.wait_for(lambda: len(audit.acked) == 1)
    assert refused == [message_id]
    assert audit.deliveries[1].attributes == {"ce-type": "commerce.orders.v1.OrderPlaced"}
