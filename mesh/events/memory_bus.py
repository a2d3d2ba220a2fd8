"""The in-process EventBus: Pub/Sub's at-least-once semantics with no server, for `mesh up`.

A handler written against MemoryBus meets everything Pub/Sub will do to it: every subscription
of a topic gets its own copy; a nack, an exception or an overrun ack deadline brings the
message back after the subscription's backoff with delivery_attempt + 1; after
max_delivery_attempts it moves to the dead-letter topic with the attributes Pub/Sub adds
(CloudPubSubDeadLetterSourceSubscription, CloudPubSubDeadLetterSourceDeliveryCount); an ordered
subscription hands out one message per ordering key at a time, in publish order.

Where it differs from Pub/Sub, deliberately:
- It is stricter about slow handlers: the Pub/Sub client extends a message's lease while its
  handler runs, MemoryBus does not, so a handler slower than ack_deadline_seconds sees a
  redelivery while it is still running (its late ack is ignored). Handlers must tolerate that
  anyway: on Pub/Sub it happens when a consumer stalls or dies.
- A nacked ordered message blocks its key until it succeeds or is dead-lettered; this is
  Pub/Sub's documented rule, which the emulator does not keep.
- delivery_attempt counts on every subscription; Pub/Sub reports it only where a dead-letter
  policy is set (elsewhere PubSubBus says 1).
- Nothing survives the process, and one process holds at most one subscriber per subscription.

Its delays (ack deadlines, backoff) keep the topology's real values and run out on `clock`, the
event loop's unless given: a test passes a clock it advances itself, so an ack deadline expires
when the test says and never because a healthy handler was slow on a busy machine.
"""

from __future__ import annotations

import asyncio
import itertools

from mesh.events.bus import (
    DEAD_LETTER_DELIVERY_COUNT,
    DEAD_LETTER_SOURCE_SUBSCRIPTION,
    Handler,
    OutgoingMessage,
    PublishError,
    SubscriptionHandle,
)
from mesh.events.memory_subscription import Clock, LoopClock, MemorySubscription, StoredMessage
from mesh.events.topology import SubscriptionSpec, Topology

__all__ = ["Clock", "LoopClock", "MemoryBus"]


class MemoryBus:
    """An EventBus over a Topology, held in this process's memory."""

    def __init__(self, topology: Topology, *, clock: Clock | None = None) -> None:
        self.topology = topology
        timers = clock if clock is not None else LoopClock()
        self._subscriptions = {
            spec.name: MemorySubscription(spec, clock=timers, dead_letter=self._dead_letter)
            for spec in topology.subscriptions
        }
        self._message_ids = itertools.count(1)
        self._handles: list[SubscriptionHandle] = []
        self._closed = False

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        """Give every subscription of topic a copy; PublishError if the topic does not exist."""
        if self._closed:
            raise PublishError("the bus is closed")
        if not self.topology.has_topic(topic):
            raise PublishError(f"topic {topic} does not exist")
        return self._fan_out(topic, message.data, dict(message.attributes), message.ordering_key)

    async def subscribe(self, subscription: str, handler: Handler, *, max_outstanding: int = 100) -> SubscriptionHandle:
        """Deliver subscription's backlog and new messages to handler; KeyError if it does not exist."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        try:
            target = self._subscriptions[subscription]
        except KeyError:
            raise KeyError(f"subscription {subscription} does not exist") from None
        handle = target.attach(handler, max_outstanding)
        self._handles.append(handle)
        return handle

    async def close(self) -> None:
        """Stop every subscriber, letting running handlers finish; later publishes fail."""
        self._closed = True
        await asyncio.gather(*(handle.stop() for handle in self._handles))
        self._handles.clear()
        for subscription in self._subscriptions.values():
            subscription.cancel_timers()

    def _fan_out(self, topic: str, data: bytes, attributes: dict[str, str], ordering_key: str) -> str:
        message = StoredMessage(str(next(self._message_ids)), data, attributes, ordering_key)
        for spec in self.topology.subscriptions_of(topic):
            self._subscriptions[spec.name].enqueue(message)
        return message.message_id

    def _dead_letter(self, spec: SubscriptionSpec, message: StoredMessage, attempts: int) -> None:
        # Like Pub/Sub: a new message on the dead-letter topic, original attributes plus provenance.
        attributes = {
            **message.attributes,
            DEAD_LETTER_SOURCE_SUBSCRIPTION: spec.name,
            DEAD_LETTER_DELIVERY_COUNT: str(attempts),
        }
        self._fan_out(spec.dead_letter_topic, message.data, attributes, message.ordering_key)
