"""The EventBus contract, run on MemoryBus and on PubSubBus against the real emulator."""

from __future__ import annotations

import asyncio
import collections

import pytest

from mesh.events.bus import (
    DEAD_LETTER_DELIVERY_COUNT,
    DEAD_LETTER_SOURCE_SUBSCRIPTION,
    Delivery,
    EventBus,
    OutgoingMessage,
    PublishError,
)
from mesh.events.topology import Topology
from tests.fixtures.pubsub import Recorder, scoped

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

BusAndTopology = tuple[EventBus, Topology]


def event(data: bytes, *, key: str = "", **attributes: str) -> OutgoingMessage:
    return OutgoingMessage(
        data=data,
        attributes={
            "ce-type": "commerce.orders.v1.OrderPlaced",
            "ce-id": data.decode(),
            "traceparent": TRACEPARENT,
            **attributes,
        },
        ordering_key=key,
    )


async def test_publish_delivers_data_attributes_and_key_to_the_subscriber(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    recorder = Recorder()
    await event_bus.subscribe(scoped(topology, "orders-audit"), recorder)

    message_id = await event_bus.publish(
        scoped(topology, "orders"), event(b"order-1", key="tenants/t1/orders/1", tracestate="mesh=1")
    )

    await recorder.wait_for_count(1)
    [delivery] = recorder.deliveries
    assert delivery.message_id == message_id
    assert delivery.data == b"order-1"
    assert delivery.attributes == {
        "ce-type": "commerce.orders.v1.OrderPlaced",
        "ce-id": "order-1",
        "traceparent": TRACEPARENT,
        "tracestate": "mesh=1",
    }
    assert delivery.ordering_key == "tenants/t1/orders/1"
    assert delivery.delivery_attempt == 1
    assert delivery.subscription == scoped(topology, "orders-audit")


async def test_publish_gives_every_subscription_of_the_topic_its_own_copy(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    recorders = {name: Recorder() for name in ("orders-audit", "orders-billing", "orders-ledger")}
    for name, recorder in recorders.items():
        await event_bus.subscribe(scoped(topology, name), recorder)

    await event_bus.publish(scoped(topology, "orders"), event(b"order-2", key="tenants/t1/orders/2"))

    for name, recorder in recorders.items():
        await recorder.wait_for_count(1)
        assert recorder.deliveries[0].subscription == scoped(topology, name)
        assert recorder.payloads() == [b"order-2"]


async def test_subscription_keeps_messages_published_before_anyone_subscribed(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    await event_bus.publish(scoped(topology, "orders"), event(b"early"))

    recorder = Recorder()
    await event_bus.subscribe(scoped(topology, "orders-billing"), recorder)

    await recorder.wait_for_count(1)
    assert recorder.payloads() == [b"early"]


async def test_nack_redelivers_with_delivery_attempt_incremented(bus: BusAndTopology) -> None:
    event_bus, topology = bus

    async def nack_twice(delivery: Delivery) -> None:
        if delivery.delivery_attempt < 3:
            raise RuntimeError("not yet")

    recorder = Recorder(nack_twice)
    await event_bus.subscribe(scoped(topology, "orders-audit"), recorder)
    await event_bus.publish(scoped(topology, "orders"), event(b"retry-me"))

    await recorder.wait_for_count(3)
    assert [delivery.delivery_attempt for delivery in recorder.deliveries[:3]] == [1, 2, 3]


async def test_handler_exception_redelivers_the_same_message(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    failures = collections.Counter[str]()

    async def fail_once(delivery: Delivery) -> None:
        failures[delivery.message_id] += 1
        if failures[delivery.message_id] == 1:
            raise ValueError("database unavailable")

    recorder = Recorder(fail_once)
    await event_bus.subscribe(scoped(topology, "orders-billing"), recorder)
    message_id = await event_bus.publish(scoped(topology, "orders"), event(b"order-3", key="tenants/t1/orders/3"))

    await recorder.wait_for_count(2)
    first, second = recorder.deliveries[:2]
    assert (second.message_id, second.data, second.attributes, second.ordering_key) == (
        message_id,
        first.data,
        first.attributes,
        first.ordering_key,
    )


async def test_ordered_subscription_keeps_publish_order_per_key_for_200_messages_over_5_keys(
    bus: BusAndTopology,
) -> None:
    event_bus, topology = bus
    keys = [f"tenants/t1/orders/{n}" for n in range(5)]
    handled: dict[str, list[int]] = collections.defaultdict(list)
    in_flight: set[str] = set()
    overlaps: list[str] = []

    async def one_per_key(delivery: Delivery) -> None:
        if delivery.ordering_key in in_flight:
            overlaps.append(delivery.ordering_key)
        in_flight.add(delivery.ordering_key)
        await asyncio.sleep(0)  # yield, so other keys' handlers interleave
        handled[delivery.ordering_key].append(int(delivery.data))
        in_flight.discard(delivery.ordering_key)

    recorder = Recorder(one_per_key)
    await event_bus.subscribe(scoped(topology, "orders-ledger"), recorder)
    # Concurrent publishes: the call order (creation order of the tasks) is the publish order.
    await asyncio.gather(
        *(
            event_bus.publish(
                scoped(topology, "orders"),
                OutgoingMessage(
                    data=str(n).encode(), attributes={"traceparent": TRACEPARENT}, ordering_key=keys[n % 5]
                ),
            )
            for n in range(200)
        )
    )

    await recorder.wait_for(lambda: len(recorder.acked) >= 200)
    assert overlaps == []
    for index, key in enumerate(keys):
        assert handled[key] == list(range(index, 200, 5))


async def test_poison_message_moves_to_the_dead_letter_topic_while_healthy_messages_flow(bus: BusAndTopology) -> None:
    event_bus, topology = bus

    async def reject_poison(delivery: Delivery) -> None:
        if delivery.data == b"poison":
            raise ValueError("cannot parse")

    audit, dead_letters = Recorder(reject_poison), Recorder()
    await event_bus.subscribe(scoped(topology, "orders-audit"), audit)
    await event_bus.subscribe(scoped(topology, "orders-dead-letter-inspect"), dead_letters)

    await event_bus.publish(scoped(topology, "orders"), event(b"poison"))
    for n in range(20):
        await event_bus.publish(scoped(topology, "orders"), event(f"healthy-{n}".encode()))

    await dead_letters.wait_for_count(1)
    await audit.wait_for(lambda: len(audit.acked) >= 20)
    [dead] = dead_letters.deliveries
    assert dead.data == b"poison"
    assert dead.attributes["traceparent"] == TRACEPARENT
    assert dead.attributes[DEAD_LETTER_SOURCE_SUBSCRIPTION] == scoped(topology, "orders-audit")
    assert dead.attributes[DEAD_LETTER_DELIVERY_COUNT] == "5"
    assert dead.delivery_attempt == 1
    assert [d.delivery_attempt for d in audit.deliveries if d.data == b"poison"] == [1, 2, 3, 4, 5]
    assert {d.data for d in audit.acked} == {f"healthy-{n}".encode() for n in range(20)}


async def test_stop_returns_only_after_in_flight_handlers_finish(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    started, release = asyncio.Event(), asyncio.Event()
    timeline: list[str] = []

    async def held(delivery: Delivery) -> None:
        started.set()
        await release.wait()
        timeline.append(f"handled {delivery.data.decode()}")

    handle = await event_bus.subscribe(scoped(topology, "orders-audit"), Recorder(held))
    await event_bus.publish(scoped(topology, "orders"), event(b"in-flight"))
    await asyncio.wait_for(started.wait(), 30)

    async def stop() -> None:
        await handle.stop()
        timeline.append("stopped")

    stopping = asyncio.create_task(stop())
    await asyncio.sleep(0)  # one loop turn: stop() runs up to its wait for the handler
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 30)

    assert timeline == ["handled in-flight", "stopped"]


async def test_handlers_run_concurrently_but_never_beyond_max_outstanding(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    running, peak = 0, 0
    pair_started = asyncio.Barrier(2)

    async def overlapping(delivery: Delivery) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            # Two handlers must be in here at once, or neither gets past the barrier.
            await asyncio.wait_for(pair_started.wait(), 30)
        finally:
            running -= 1

    recorder = Recorder(overlapping)
    await event_bus.subscribe(scoped(topology, "orders-billing"), recorder, max_outstanding=2)
    for n in range(6):
        await event_bus.publish(scoped(topology, "orders"), event(f"parallel-{n}".encode()))

    await recorder.wait_for(lambda: len({d.data for d in recorder.acked}) >= 6)
    assert peak == 2


async def test_publish_to_a_missing_topic_raises_publish_error(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    with pytest.raises(PublishError):
        await event_bus.publish(scoped(topology, "orders") + "-missing", event(b"lost"))


async def test_publish_after_close_raises_publish_error(bus: BusAndTopology) -> None:
    event_bus, topology = bus
    await event_bus.close()

    with pytest.raises(PublishError):
        await event_bus.publish(scoped(topology, "orders"), event(b"too-late"))
