"""Google Cloud Pub/Sub clients for one project: the emulator, or the real service.

emulator_host names an emulator ("127.0.0.1:8085"): the clients then talk plaintext gRPC to it
with no credentials at all. None leaves the choice to the client library: PUBSUB_EMULATOR_HOST
if set, else the real Pub/Sub endpoint with Application Default Credentials (Workload Identity
on GKE). Passing the host explicitly, instead of setting the process-wide variable, lets tests
and tools hold clients for several emulators at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
import grpc
from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

__all__ = ["admin_clients", "publisher_client", "subscriber_client", "subscription_path", "topic_path"]

# The options the library sets on the channels it builds itself: no size cap (the server enforces
# Pub/Sub's), and keepalive so an idle streaming pull notices a dead connection.
_CHANNEL_OPTIONS = (
    ("grpc.max_send_message_length", -1),
    ("grpc.max_receive_message_length", -1),
    ("grpc.keepalive_time_ms", 30_000),
)


def topic_path(project: str, topic: str) -> str:
    """The full resource name of a topic id (a full name passes through)."""
    return topic if topic.startswith("projects/") else f"projects/{project}/topics/{topic}"


def subscription_path(project: str, subscription: str) -> str:
    """The full resource name of a subscription id (a full name passes through)."""
    if subscription.startswith("projects/"):
        return subscription
    return f"projects/{project}/subscriptions/{subscription}"


def publisher_client(
    emulator_host: str | None, *, api_endpoint: str | None = None, **options: Any
) -> pubsub_v1.PublisherClient:
    """The batching publisher; options go to PublisherClient (batch_settings, publisher_options).

    api_endpoint (real Pub/Sub only) picks a regional endpoint, e.g.
    "europe-west1-pubsub.googleapis.com:443": ordering holds only for messages published in one
    region, and the global endpoint may route a publisher's requests to different regions.
    """
    if emulator_host:
        options["transport"] = PublisherGrpcTransport(channel=_emulator_channel(emulator_host))
    elif api_endpoint:
        options["client_options"] = {"api_endpoint": api_endpoint}
    return pubsub_v1.PublisherClient(**options)


def subscriber_client(emulator_host: str | None) -> pubsub_v1.SubscriberClient:
    """The streaming-pull subscriber (also the admin client for subscriptions)."""
    if emulator_host:
        return pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=_emulator_channel(emulator_host)))
    return pubsub_v1.SubscriberClient()


@contextlib.contextmanager
def admin_clients(emulator_host: str | None) -> Iterator[tuple[pubsub_v1.PublisherClient, pubsub_v1.SubscriberClient]]:
    """A publisher (topic admin) and a subscriber (subscription admin), closed on exit."""
    publisher, subscriber = publisher_client(emulator_host), subscriber_client(emulator_host)
    try:
        yield publisher, subscriber
    finally:
        publisher.transport.close()
        subscriber.close()


def _emulator_channel(host: str) -> grpc.Channel:
    return grpc.insecure_channel(host, options=_CHANNEL_OPTIONS)
