"""Topology: Pub/Sub's rules enforced at construction, prefixes for tests, the mesh's real YAML."""

from __future__ import annotations

import dataclasses
import pathlib
import textwrap
from typing import Any

import pytest

from mesh.events.topology import MESH_TOPOLOGY, SubscriptionSpec, Topic, Topology, TopologyError, load_topology


def spec(**changes: Any) -> SubscriptionSpec:
    settings: dict[str, Any] = {
        "name": "orders-audit",
        "topic": "orders",
        "consumer": "audit",
        "dead_letter_topic": "orders-dead-letter",
    }
    return SubscriptionSpec(**{**settings, **changes})


def small_topology(*subscriptions: SubscriptionSpec) -> Topology:
    dead_letter_reader = SubscriptionSpec(
        name="orders-dead-letter-inspect", topic="orders-dead-letter", consumer="operations"
    )
    return Topology(
        topics=(Topic("orders"), Topic("orders-dead-letter")), subscriptions=(*subscriptions, dead_letter_reader)
    )


@pytest.mark.parametrize(
    "name", ["ab", "1orders", "goog-orders", "orders events", "orders/events", "ä-orders", "o" * 256]
)
def test_topic_with_a_name_pubsub_refuses_is_rejected(name: str) -> None:
    with pytest.raises(TopologyError, match="naming"):
        Topic(name)


@pytest.mark.parametrize("name", ["abc", "commerce.checkout.events", "Orders-v1_x~y+z%20", "o" * 255])
def test_topic_with_a_valid_pubsub_name_is_accepted(name: str) -> None:
    assert Topic(name).name == name


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"ack_deadline_seconds": 9}, "ack_deadline_seconds"),
        ({"ack_deadline_seconds": 601}, "ack_deadline_seconds"),
        ({"max_delivery_attempts": 4}, "max_delivery_attempts"),
        ({"max_delivery_attempts": 101}, "max_delivery_attempts"),
        ({"min_backoff_seconds": 20, "max_backoff_seconds": 10}, "backoff"),
        ({"max_backoff_seconds": 601}, "backoff"),
        ({"min_backoff_seconds": -1}, "backoff"),
        ({"dead_letter_topic": "orders"}, "dead-letter topic must differ"),
        ({"consumer": "Invoicing Service"}, "consumer"),
    ],
)
def test_subscription_outside_pubsub_limits_is_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        spec(**changes)


def test_subscription_on_an_undefined_topic_is_rejected() -> None:
    with pytest.raises(TopologyError, match="undefined topic payments"):
        small_topology(spec(topic="payments"))


def test_subscription_with_an_undefined_dead_letter_topic_is_rejected() -> None:
    with pytest.raises(TopologyError, match="undefined topic orders-dlq"):
        small_topology(spec(dead_letter_topic="orders-dlq"))


def test_dead_letter_topic_nobody_subscribes_to_is_rejected() -> None:
    with pytest.raises(TopologyError, match="no subscription"):
        Topology(topics=(Topic("orders"), Topic("orders-dead-letter")), subscriptions=(spec(),))


def test_names_defined_twice_are_rejected() -> None:
    with pytest.raises(TopologyError, match="defined twice"):
        small_topology(spec(), spec())
    with pytest.raises(TopologyError, match="defined twice"):
        Topology(topics=(Topic("orders"), Topic("orders")), subscriptions=())


def test_with_prefix_renames_every_name_and_every_reference() -> None:
    prefixed = small_topology(spec()).with_prefix("t42-")

    assert [topic.name for topic in prefixed.topics] == ["t42-orders", "t42-orders-dead-letter"]
    audit = prefixed.subscription("t42-orders-audit")
    assert (audit.topic, audit.dead_letter_topic) == ("t42-orders", "t42-orders-dead-letter")
    assert prefixed.subscription("t42-orders-dead-letter-inspect").dead_letter_topic == ""
    assert (
        dataclasses.replace(audit, name="orders-audit", topic="orders", dead_letter_topic="orders-dead-letter")
        == spec()
    )


def test_with_prefix_that_breaks_naming_is_rejected() -> None:
    with pytest.raises(TopologyError, match="naming"):
        small_topology(spec()).with_prefix("1-")


def test_subscriptions_of_a_topic_are_exactly_those_attached_to_it() -> None:
    topology = small_topology(spec(), spec(name="orders-billing", consumer="billing"))

    assert [s.name for s in topology.subscriptions_of("orders")] == ["orders-audit", "orders-billing"]
    assert topology.has_topic("orders-dead-letter") and not topology.has_topic("payments")


def test_backoff_doubles_from_the_minimum_up_to_the_maximum() -> None:
    backoff = spec(min_backoff_seconds=5, max_backoff_seconds=30)

    assert [backoff.backoff_seconds(n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


def test_load_topology_applies_defaults_that_entries_override(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "topology.yaml"
    path.write_text(
        textwrap.dedent("""\
        defaults: {ordered: true, ack_deadline_seconds: 20}
        topics: [orders, orders-dead-letter]
        subscriptions:
          - {name: orders-audit, topic: orders, consumer: audit, dead_letter_topic: orders-dead-letter}
          - {name: orders-dead-letter-inspect, topic: orders-dead-letter, consumer: ops, ordered: false}
        """)
    )

    topology = load_topology(path)

    assert topology.subscription("orders-audit") == spec(ordered=True, ack_deadline_seconds=20)
    assert topology.subscription("orders-dead-letter-inspect").ordered is False


def test_load_topology_names_an_unknown_setting(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "topology.yaml"
    path.write_text(
        "topics: [orders]\nsubscriptions:\n  - {name: orders-audit, topic: orders, consumer: a, ack_deadline: 20}\n"
    )

    with pytest.raises(TopologyError, match="ack_deadline"):
        load_topology(path)


@pytest.fixture(scope="module")
def mesh_topology() -> Topology:
    """The real topology.yaml; loading it runs every validation above."""
    return load_topology(MESH_TOPOLOGY)


def consumed_by(topology: Topology, consumer: str) -> set[str]:
    return {spec.topic for spec in topology.subscriptions if spec.consumer == consumer}


def test_mesh_topology_gives_every_domain_a_topic_and_a_dead_letter_topic(mesh_topology: Topology) -> None:
    names = {topic.name for topic in mesh_topology.topics}
    for domain in ("checkout", "payments", "invoicing", "subscriptions"):
        assert {f"commerce.{domain}.events", f"commerce.{domain}.events.dead-letter"} <= names


def test_mesh_topology_subscribes_consumers_to_the_domains_they_react_to(mesh_topology: Topology) -> None:
    assert consumed_by(mesh_topology, "invoicing") >= {"commerce.payments.events", "commerce.checkout.events"}
    assert consumed_by(mesh_topology, "subscriptions") == {"commerce.invoicing.events", "commerce.payments.events"}
    assert consumed_by(mesh_topology, "checkout") == {"commerce.payments.events", "commerce.invoicing.events"}
    assert consumed_by(mesh_topology, "payments") <= {"commerce.checkout.events"}


def test_mesh_topology_orders_domain_subscriptions_and_dead_letters_them_per_topic(mesh_topology: Topology) -> None:
    for spec in mesh_topology.subscriptions:
        if spec.consumer != "operations":
            assert spec.ordered, spec.name
            assert spec.dead_letter_topic == f"{spec.topic}.dead-letter", spec.name


def test_mesh_topology_reads_each_dead_letter_topic_through_one_operations_subscription(
    mesh_topology: Topology,
) -> None:
    for topic in mesh_topology.topics:
        if topic.name.endswith(".dead-letter"):
            readers = mesh_topology.subscriptions_of(topic.name)
            assert [(s.consumer, s.dead_letter_topic) for s in readers] == [("operations", "")], topic.name
