"""desired_subscription: how a SubscriptionSpec becomes a Pub/Sub Subscription."""

from __future__ import annotations

import datetime

from mesh.events.provision import desired_subscription
from mesh.events.topology import SubscriptionSpec


def test_spec_maps_to_names_deadline_ordering_dead_letter_and_retry_policies() -> None:
    spec = SubscriptionSpec(
        name="invoicing.payments-events",
        topic="commerce.payments.events",
        consumer="invoicing",
        ordered=True,
        ack_deadline_seconds=60,
        max_delivery_attempts=10,
        dead_letter_topic="commerce.payments.events.dead-letter",
        min_backoff_seconds=5,
        max_backoff_seconds=300,
    )

    subscription = desired_subscription("shop", spec)

    assert subscription.name == "projects/shop/subscriptions/invoicing.payments-events"
    assert subscription.topic == "projects/shop/topics/commerce.payments.events"
    assert (subscription.ack_deadline_seconds, subscription.enable_message_ordering) == (60, True)
    assert (
        subscription.dead_letter_policy.dead_letter_topic == "projects/shop/topics/commerce.payments.events.dead-letter"
    )
    assert subscription.dead_letter_policy.max_delivery_attempts == 10
    assert subscription.retry_policy.minimum_backoff == datetime.timedelta(seconds=5)
    assert subscription.retry_policy.maximum_backoff == datetime.timedelta(seconds=300)
    assert subscription.labels == {"consumer": "invoicing"}
    assert "expiration_policy" in subscription and not subscription.expiration_policy.ttl


def test_spec_without_dead_letter_topic_or_backoff_sets_neither_policy() -> None:
    spec = SubscriptionSpec(
        name="operations.dead-letters",
        topic="commerce.payments.events.dead-letter",
        consumer="operations",
        min_backoff_seconds=0,
        max_backoff_seconds=0,
    )

    subscription = desired_subscription("shop", spec)

    assert "dead_letter_policy" not in subscription
    assert "retry_policy" not in subscription
