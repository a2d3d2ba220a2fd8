"""The event bus contract: publish bytes with attributes, subscribe with a handler, at least once.

Two implementations keep to it: PubSubBus (google-cloud-pubsub, the emulator or the real
service) and MemoryBus (in process, the zero-set-up default). The outbox publishes through it
and the inbox consumes through it; envelopes, dedupe and tracing live above this layer.

Delivery is at least once on both: a handler that returns acks, one that raises nacks and the
message comes back (delivery_attempt + 1) until the subscription's max_delivery_attempts sends
it to the dead-letter topic. Handlers must therefore be idempotent and dedupe on the envelope's
own event id, never on Delivery.message_id (a row published twice gets two transport ids).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

__all__ = [
    "DEAD_LETTER_ATTRIBUTE_PREFIX",
    "DEAD_LETTER_DELIVERY_COUNT",
    "DEAD_LETTER_SOURCE_SUBSCRIPTION",
    "Delivery",
    "EventBus",
    "Handler",
    "OutgoingMessage",
    "PublishError",
    "SubscriptionHandle",
]

# Attributes Pub/Sub adds to a message it forwards to a dead-letter topic; MemoryBus adds these two.
# Pub/Sub also adds ...SourceSubscriptionProject and ...SourceTopicPublishTime: every one of them
# starts with DEAD_LETTER_ATTRIBUTE_PREFIX, which is how a replay strips them all.
DEAD_LETTER_ATTRIBUTE_PREFIX = "CloudPubSubDeadLetter"
DEAD_LETTER_SOURCE_SUBSCRIPTION = "CloudPubSubDeadLetterSourceSubscription"
DEAD_LETTER_DELIVERY_COUNT = "CloudPubSubDeadLetterSourceDeliveryCount"

# Pub/Sub refuses attribute keys with this prefix; refusing them here keeps both buses alike.
_RESERVED_ATTRIBUTE_PREFIX = "goog"
# google-cloud-pubsub takes attributes as keyword arguments of publish(): these names would be
# taken for its parameters, so neither bus accepts them.
_RESERVED_ATTRIBUTE_NAMES = frozenset({"topic", "data", "ordering_key", "retry", "timeout"})


class PublishError(Exception):
    """A message could not be published (after the transport's own retries); the caller keeps it."""


@dataclasses.dataclass(frozen=True)
class OutgoingMessage:
    """What a producer hands the bus.

    attributes carry W3C "traceparent" (+ "tracestate"), "ce-type", "ce-id" set by the caller.
    ordering_key is the aggregate's resource name: messages of one key reach an ordered
    subscription in publish order; "" means unordered.
    """

    data: bytes
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ordering_key: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes):
            raise TypeError(f"data must be bytes, not {type(self.data).__name__}")
        for key, value in self.attributes.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"attribute {key!r} must map str to str")
            if key.startswith(_RESERVED_ATTRIBUTE_PREFIX) or key in _RESERVED_ATTRIBUTE_NAMES:
                raise ValueError(
                    f"attribute {key!r} is reserved (Pub/Sub refuses 'goog*'; "
                    f"{sorted(_RESERVED_ATTRIBUTE_NAMES)} clash with the client's publish())"
                )
        # A private read-only copy: the caller may reuse its dict while the message is in flight.
        object.__setattr__(self, "attributes", types.MappingProxyType(dict(self.attributes)))


@dataclasses.dataclass
class Delivery:
    """One delivery of a message to one subscription."""

    message_id: str
    data: bytes
    attributes: Mapping[str, str]
    ordering_key: str
    delivery_attempt: int
    subscription: str


Handler = Callable[[Delivery], Awaitable[None]]


class SubscriptionHandle(Protocol):
    """A running subscriber."""

    async def stop(self) -> None:
        """Stop pulling, let in-flight handlers finish (their acks and nacks still count), then return."""
        ...


class EventBus(Protocol):
    """Publish and subscribe by topology names (Topic.name, SubscriptionSpec.name)."""

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        """Publish once and return the transport's message id; raise PublishError on failure.

        Safe to call concurrently; messages of one ordering key keep the order of the calls.
        """
        ...

    async def subscribe(self, subscription: str, handler: Handler, *, max_outstanding: int = 100) -> SubscriptionHandle:
        """Run handler for each delivery: return to ack, raise to nack (the message comes back).

        Up to max_outstanding handlers run at once; on an ordered subscription the messages of
        one ordering key are handled one at a time, in order.
        """
        ...

    async def close(self) -> None:
        """Stop every subscriber (in-flight handlers finish), flush publishes, release the clients."""
        ...
