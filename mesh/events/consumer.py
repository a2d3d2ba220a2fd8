"""Idempotent consumers: typed handlers, effects committed once per event id, failures classified.

For each delivery:
- undecodable data, or an event type this process's schema does not know → dead-lettered at once
  with the reason (retrying cannot help), and acked;
- a known event type this consumer has no handler for → acked and ignored (a subscription
  carries every event of its producer);
- a duplicate (this consumer already handled the event id) → acked without effects;
- otherwise the handler runs inside a transaction that also writes the inbox row, so the effects
  and the "seen" mark commit together;
- the handler raises PermanentError → rolled back, recorded, dead-lettered, acked;
- any other exception → rolled back and nacked: Pub/Sub redelivers with backoff until the
  subscription's max_delivery_attempts moves it to the dead-letter topic, so nothing is retried forever.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from google.protobuf.message import Message
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events import inbox
from mesh.events.bus import Delivery, EventBus, OutgoingMessage, SubscriptionHandle
from mesh.events.envelope import EventEnvelope, UndecodableEvent, decode_envelope, unpack_event
from mesh.persistence import Database, is_unique_violation
from mesh.telemetry import ConsumerMetrics, ConsumerOutcome, extract_context

log = logging.getLogger("mesh.events.consumer")
tracer = trace.get_tracer("mesh.events")
DEAD_LETTER_REASON = "dead_letter_reason"


class PermanentError(Exception):
    """Raised by a handler when this event can never be handled: dead-letter it, don't retry."""


@dataclasses.dataclass(frozen=True)
class EventContext:
    """What a handler gets beside the typed event: the envelope and the open transaction."""

    envelope: EventEnvelope
    connection: AsyncConnection
    delivery_attempt: int


EventHandler = Callable[[Message, EventContext], Awaitable[None]]


class EventConsumer:
    def __init__(self, name: str, database: Database, bus: EventBus, handlers: Mapping[str, EventHandler], *,
                 dead_letter_topic: str, metrics: ConsumerMetrics | None = None) -> None:
        self.name = name
        self._db = database
        self._bus = bus
        self._handlers = dict(handlers)  # by event type: "commerce.payments.v1.PaymentCaptured"
        self._dead_letter_topic = dead_letter_topic
        self._metrics = metrics or ConsumerMetrics()

    async def start(self, subscription: str, *, max_outstanding: int = 10) -> SubscriptionHandle:
        """Consume `subscription`. Each in-flight handler holds a database connection for its
        transaction, so max_outstanding stays within the connection pool (SQLAlchemy's default
        is 5 + 10 overflow); more would only queue deliveries on the pool past their ack deadline."""
        return await self._bus.subscribe(subscription, self.handle, max_outstanding=max_outstanding)

    async def handle(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        outcome = ConsumerOutcome.RETRIED
        try:
            outcome = await self._handle(delivery)
        finally:
            self._metrics.record(delivery.subscription, outcome, time.perf_counter() - started)

    async def _handle(self, delivery: Delivery) -> ConsumerOutcome:
        try:
            envelope = decode_envelope(delivery.data)
        except UndecodableEvent as err:
            await self._dead_letter(delivery, None, f"undecodable: {err}")
            return ConsumerOutcome.DEAD_LETTERED
        try:
            event = unpack_event(envelope)
        except KeyError:
            await self._dead_letter(delivery, envelope, f"unknown event type {envelope.type}")
            return ConsumerOutcome.DEAD_LETTERED
        except UndecodableEvent as err:
            await self._dead_letter(delivery, envelope, f"undecodable: {err}")
            return ConsumerOutcome.DEAD_LETTERED
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return ConsumerOutcome.IGNORED
        with tracer.start_as_current_span(f"{envelope.type} process", context=extract_context(delivery.attributes),
                                          kind=trace.SpanKind.CONSUMER,
                                          attributes={"messaging.consumer": self.name, "messaging.message.id": envelope.id}):
            return await self._run(handler, event, envelope, delivery)

    async def _run(self, handler: EventHandler, event: Message, envelope: EventEnvelope,
                   delivery: Delivery) -> ConsumerOutcome:
        try:
            async with self._db.transaction() as conn:
                if not await inbox.claim(conn, self.name, envelope):
                    return ConsumerOutcome.DUPLICATE
                await handler(event, EventContext(envelope, conn, delivery.delivery_attempt))
        except PermanentError as err:
            await self._dead_letter(delivery, envelope, f"permanent: {err}")
            return ConsumerOutcome.DEAD_LETTERED
        except Exception as err:
            if is_unique_violation(err):  # a concurrent delivery of the same event won
                return ConsumerOutcome.DUPLICATE
            log.warning("event handling failed; nacking for redelivery",
                        extra={"event_id": envelope.id, "event_type": envelope.type, "consumer": self.name},
                        exc_info=True)
            raise
        return ConsumerOutcome.ACKED

    async def _dead_letter(self, delivery: Delivery, envelope: EventEnvelope | None, reason: str) -> None:
        log.error("dead-lettering event: %s", reason, extra={"consumer": self.name,
                                                              "event_id": envelope.id if envelope else ""})
        if envelope is not None:
            async with self._db.transaction() as conn:
                await inbox.record_dead_letter(conn, self.name, envelope, reason)
        attributes = {**delivery.attributes, DEAD_LETTER_REASON: reason[:1024]}
        await self._bus.publish(self._dead_letter_topic,
                                OutgoingMessage(delivery.data, attributes, ordering_key=""))
