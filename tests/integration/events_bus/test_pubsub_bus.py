"""PubSubBus behaviour only the Pub/Sub path has: paused ordering keys, streams that reopen."""

from __future__ import annotations

import logging

import pytest

from mesh.events.bus import OutgoingMessage, PublishError
from mesh.events.provision import provision
from mesh.events.pubsub_bus import PubSubBus
from tests.fixtures.pubsub import PubSubEmulator, Recorder, bus_test_topology, scoped, unique_prefix
from tests.waiting import eventually


async def test_failed_ordered_publish_leaves_its_key_usable_for_the_retry(pubsub_emulator: PubSubEmulator) -> None:
    topology = bus_test_topology().with_prefix(unique_prefix())
    orders, ledger = scoped(topology, "orders"), scoped(topology, "orders-ledger")
    key = "tenants/t1/orders/9"
    bus = PubSubBus(pubsub_emulator.project, emulator_host=pubsub_emulator.host, publish_timeout=10.0)
    try:
        # The topic does not exist yet: the client fails the publish and pauses the key.
        with pytest.raises(PublishError):
            await bus.publish(orders, OutgoingMessage(b"first-try", ordering_key=key))
        await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)
        recorder = Recorder()
        await bus.subscribe(ledger, recorder)

        message_id = await bus.publish(orders, OutgoingMessage(b"retry", ordering_key=key))

        await recorder.wait_for_count(1)
        assert [(d.message_id, d.data, d.ordering_key) for d in recorder.deliveries] == [(message_id, b"retry", key)]
    finally:
        await bus.close()


async def test_subscriber_opened_before_provisioning_reopens_its_stream_and_receives(
    pubsub_emulator: PubSubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    topology = bus_test_topology().with_prefix(unique_prefix())
    orders, audit = scoped(topology, "orders"), scoped(topology, "orders-audit")
    bus = PubSubBus(pubsub_emulator.project, emulator_host=pubsub_emulator.host, publish_timeout=10.0)
    try:
        recorder = Recorder()
        with caplog.at_level(logging.WARNING, logger="mesh.events.pubsub_subscriber"):
            await bus.subscribe(audit, recorder)
            # State only the subscriber's log reveals: polled.
            await eventually(
                lambda: any("Subscription does not exist" in record.getMessage() for record in caplog.records),
                "the subscriber's stream failing",
            )
        await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)

        await bus.publish(orders, OutgoingMessage(b"late-subscription"))

        await recorder.wait_for_count(1)
        assert recorder.payloads() == [b"late-subscription"]
    finally:
        await bus.close()
