"""provision() against the real emulator: creates, accepts, updates, refuses, and heals."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from typing import Any

import pytest
from google.pubsub_v1 import types

from mesh.events.bus import OutgoingMessage, PublishError
from mesh.events.provision import ProvisionError, provision
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.pubsub_clients import admin_clients, subscription_path, topic_path
from mesh.events.topology import MESH_TOPOLOGY, Topology, load_topology
from tests.fixtures.pubsub import PubSubEmulator, Recorder, bus_test_topology, scoped, unique_prefix


async def fetch_subscription(emulator: PubSubEmulator, name: str) -> types.Subscription:
    def fetch() -> types.Subscription:
        with admin_clients(emulator.host) as (_, subscriber):
            return subscriber.get_subscription(subscription=subscription_path(emulator.project, name))

    return await asyncio.to_thread(fetch)


def with_subscription(topology: Topology, name: str, **changes: Any) -> Topology:
    """topology with the settings of subscription `name` changed."""
    return Topology(
        topics=topology.topics,
        subscriptions=tuple(
            dataclasses.replace(spec, **changes) if spec.name == name else spec for spec in topology.subscriptions
        ),
    )


async def test_provision_creates_the_mesh_topology_with_its_delivery_settings(pubsub_emulator: PubSubEmulator) -> None:
    topology = load_topology(MESH_TOPOLOGY).with_prefix(unique_prefix())

    summary = await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)

    assert summary.created_topics == tuple(topic.name for topic in topology.topics)
    assert summary.created_subscriptions == tuple(spec.name for spec in topology.subscriptions)
    spec = next(spec for spec in topology.subscriptions if spec.name.endswith("invoicing.payments-events"))
    created = await fetch_subscription(pubsub_emulator, spec.name)
    assert created.topic == topic_path(pubsub_emulator.project, spec.topic)
    assert created.enable_message_ordering is True
    assert created.ack_deadline_seconds == 60
    assert created.dead_letter_policy.dead_letter_topic == topic_path(pubsub_emulator.project, spec.dead_letter_topic)
    assert created.dead_letter_policy.max_delivery_attempts == 10
    assert created.retry_policy.minimum_backoff == datetime.timedelta(seconds=5)
    assert created.retry_policy.maximum_backoff == datetime.timedelta(seconds=300)
    assert created.labels == {"consumer": "invoicing"}


async def test_provision_twice_changes_nothing_the_second_time(pubsub_emulator: PubSubEmulator) -> None:
    topology = load_topology(MESH_TOPOLOGY).with_prefix(unique_prefix())
    await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)

    again = await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)

    assert not again.changed
    assert again.existing_topics == tuple(topic.name for topic in topology.topics)
    assert again.existing_subscriptions == tuple(spec.name for spec in topology.subscriptions)


async def test_provision_updates_drifted_mutable_settings_in_place(pubsub_emulator: PubSubEmulator) -> None:
    topology = bus_test_topology().with_prefix(unique_prefix())
    await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)
    audit = scoped(topology, "orders-audit")
    changed = with_subscription(
        topology, audit, ack_deadline_seconds=45, max_delivery_attempts=7, min_backoff_seconds=2, max_backoff_seconds=30
    )

    summary = await provision(changed, pubsub_emulator.project, emulator_host=pubsub_emulator.host)

    assert summary.updated_subscriptions == (audit,)
    updated = await fetch_subscription(pubsub_emulator, audit)
    assert updated.ack_deadline_seconds == 45
    assert updated.dead_letter_policy.max_delivery_attempts == 7
    assert updated.retry_policy.maximum_backoff == datetime.timedelta(seconds=30)


async def test_provision_refuses_to_change_ordering_of_a_live_subscription(pubsub_emulator: PubSubEmulator) -> None:
    topology = bus_test_topology().with_prefix(unique_prefix())
    await provision(topology, pubsub_emulator.project, emulator_host=pubsub_emulator.host)
    audit = scoped(topology, "orders-audit")

    with pytest.raises(ProvisionError, match="enable_message_ordering"):
        await provision(
            with_subscription(topology, audit, ordered=True),
            pubsub_emulator.project,
            emulator_host=pubsub_emulator.host,
        )


@pytest.mark.slow
async def test_provision_after_emulator_restart_recreates_everything_and_the_bus_heals(
    own_pubsub_emulator: PubSubEmulator,
) -> None:
    emulator = own_pubsub_emulator
    topology = bus_test_topology().with_prefix(unique_prefix())
    orders, audit = scoped(topology, "orders"), scoped(topology, "orders-audit")
    await provision(topology, emulator.project, emulator_host=emulator.host)
    bus = PubSubBus(emulator.project, emulator_host=emulator.host, publish_timeout=10.0)
    try:
        recorder = Recorder()
        await bus.subscribe(audit, recorder)
        await bus.publish(orders, OutgoingMessage(b"before"))
        await recorder.wait_for_count(1)

        emulator.restart()  # blocks the loop for a moment: the emulator must start from the main thread
        with pytest.raises(PublishError):
            await bus.publish(orders, OutgoingMessage(b"into-the-void"))
        summary = await provision(topology, emulator.project, emulator_host=emulator.host)
        await bus.publish(orders, OutgoingMessage(b"after"))

        assert summary.created_topics == tuple(topic.name for topic in topology.topics)
        assert summary.created_subscriptions == tuple(spec.name for spec in topology.subscriptions)
        await recorder.wait_for(lambda: b"after" in recorder.payloads())
    finally:
        await bus.close()
