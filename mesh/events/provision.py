"""Make a Pub/Sub project match a Topology: create what is missing, update what drifted.

Idempotent and healing: run it at every start-up. Existing topics are accepted; an existing
subscription is compared with its spec and its mutable settings (ack deadline, retry and
dead-letter policies, expiration) updated in place. The emulator forgets everything when it
restarts, so running provision again recreates the lot.

Settings Pub/Sub cannot change on a live subscription (its topic, message ordering) raise
ProvisionError instead of being papered over: the fix (a new subscription name, or delete and
recreate, losing the backlog) is a decision for a person.

On real Pub/Sub, dead-lettering also needs IAM: the project's Pub/Sub service agent
(service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com) must be a publisher on each dead-letter
topic and a subscriber on each subscription that dead-letters. That grant belongs with the k8s/
Pub/Sub manifests, not here; the emulator does not check it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

import google.cloud.pubsub_v1 as pubsub_v1
from google.api_core import exceptions
from google.protobuf import field_mask_pb2
from google.pubsub_v1 import types

from mesh.events.pubsub_clients import admin_clients, subscription_path, topic_path
from mesh.events.topology import SubscriptionSpec, Topology

__all__ = ["ProvisionError", "ProvisionSummary", "desired_subscription", "provision"]

# Settings that update_subscription may change on a live subscription.
_MUTABLE_FIELDS = ("ack_deadline_seconds", "retry_policy", "dead_letter_policy", "expiration_policy")
# Settings fixed at creation; a difference needs a person.
_IMMUTABLE_FIELDS = ("topic", "enable_message_ordering")


class ProvisionError(Exception):
    """The project holds a subscription that cannot be brought in line with its spec."""


@dataclasses.dataclass(frozen=True)
class ProvisionSummary:
    """What one provision run did, by topology name."""

    created_topics: tuple[str, ...] = ()
    existing_topics: tuple[str, ...] = ()
    created_subscriptions: tuple[str, ...] = ()
    updated_subscriptions: tuple[str, ...] = ()
    existing_subscriptions: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the run created or updated anything."""
        return bool(self.created_topics or self.created_subscriptions or self.updated_subscriptions)


async def provision(topology: Topology, project: str, *, emulator_host: str | None = None) -> ProvisionSummary:
    """Create or update every topic and subscription of topology in project.

    emulator_host: "host:port" of a Pub/Sub emulator; None follows the client library
    (PUBSUB_EMULATOR_HOST, else real Pub/Sub with Application Default Credentials).
    """
    # The admin clients are blocking; one worker thread keeps the event loop free.
    return await asyncio.to_thread(_provision_blocking, topology, project, emulator_host)


def _provision_blocking(topology: Topology, project: str, emulator_host: str | None) -> ProvisionSummary:
    outcomes: dict[str, list[str]] = {field.name: [] for field in dataclasses.fields(ProvisionSummary)}
    with admin_clients(emulator_host) as (publisher, subscriber):
        for topic in topology.topics:
            created = _ensure_topic(publisher, topic_path(project, topic.name))
            outcomes["created_topics" if created else "existing_topics"].append(topic.name)
        for spec in topology.subscriptions:
            outcomes[_ensure_subscription(subscriber, project, spec)].append(spec.name)
    return ProvisionSummary(**{name: tuple(names) for name, names in outcomes.items()})


def _ensure_topic(publisher: pubsub_v1.PublisherClient, path: str) -> bool:
    try:
        publisher.create_topic(name=path)
    except exceptions.AlreadyExists:
        return False
    return True


def _ensure_subscription(subscriber: pubsub_v1.SubscriberClient, project: str, spec: SubscriptionSpec) -> str:
    """Create, update or accept one subscription; returns the ProvisionSummary field it belongs in."""
    desired = desired_subscription(project, spec)
    try:
        subscriber.create_subscription(request=desired)
    except exceptions.AlreadyExists:
        pass
    else:
        return "created_subscriptions"
    existing = subscriber.get_subscription(subscription=desired.name)
    drift = [field for field in _IMMUTABLE_FIELDS if getattr(existing, field) != getattr(desired, field)]
    if drift:
        raise ProvisionError(
            f"subscription {spec.name} differs from its spec in {', '.join(drift)}, which Pub/Sub "
            "cannot change: give it a new name, or delete it (losing its backlog) and provision again"
        )
    changed = [field for field in _MUTABLE_FIELDS if getattr(existing, field) != getattr(desired, field)]
    if not changed:
        return "existing_subscriptions"
    subscriber.update_subscription(
        request={"subscription": desired, "update_mask": field_mask_pb2.FieldMask(paths=changed)}
    )
    return "updated_subscriptions"


def desired_subscription(project: str, spec: SubscriptionSpec) -> types.Subscription:
    """The Pub/Sub Subscription a spec stands for."""
    subscription = types.Subscription(
        name=subscription_path(project, spec.name),
        topic=topic_path(project, spec.topic),
        ack_deadline_seconds=spec.ack_deadline_seconds,
        enable_message_ordering=spec.ordered,
        # An empty policy means "never expire"; the default deletes a subscription idle for 31 days.
        expiration_policy=types.ExpirationPolicy(),
        labels={"consumer": spec.consumer},
    )
    if spec.max_backoff_seconds > 0:
        # Without a retry policy Pub/Sub redelivers at once: that is what a 0 s backoff asks for.
        subscription.retry_policy = types.RetryPolicy(
            minimum_backoff=_seconds(spec.min_backoff_seconds), maximum_backoff=_seconds(spec.max_backoff_seconds)
        )
    if spec.dead_letter_topic:
        subscription.dead_letter_policy = types.DeadLetterPolicy(
            dead_letter_topic=topic_path(project, spec.dead_letter_topic),
            max_delivery_attempts=spec.max_delivery_attempts,
        )
    return subscription


def _seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)
