"""Idempotent consumers: typed handlers, effects committed once per event id, failures classified.

For each delivery:
- undecodable data, or an event type this process's schema does not know → dead-lettered at once
  with the reason (retrying cannot help), and acked;
- an envelope whose tenant is not a tenant id, or whose subject does not lie under that tenant
  ("tenants/{tenant}/…") → dead-lettered at once, and acked: a handler acting on it could put one
  tenant's data in another's, so every handler may rely on the envelope's tenant owning its subject;
- a known event type this consumer has no handler for → acked and ignored (a subscription
  carries every event of its producer);
- a duplicate (this consumer already handled the event id) → acked without effects;
- otherwise the handler runs inside a transaction that also writes the inbox row, so the effects
  and the "seen" mark commit together (deliveries that arrive together share one: group_commit);
- the handler raises PermanentError → rolled back, recorded, dead-lettered, acked;
- any other exception → rolled back and nacked: Pub/Sub redelivers with backoff until the
  subscription's max_delivery_attempts moves it to the dead-letter topic, so nothing is retried forever.

Only the inbox decides what is a duplicate: its insert ignores a conflict on its own key and
says whether it wrote. A unique violation raised while the handler ran is the handler's (its own
constraint) and fails the delivery like any other error, unless the inbox, read after the
rollback, shows that another delivery of the same event committed meanwhile.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from google.protobuf.message import Message
from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events import inbox
from mesh.events.bus import Delivery, EventBus, OutgoingMessage, SubscriptionHandle
from mesh.events.envelope import EventEnvelope, UndecodableEvent, decode_envelope, tenant_owns, unpack_event
from mesh.events.group_commit import GroupCommit
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
    def __init__(
        self,
        name: str,
        database: Database,
        bus: EventBus,
        handlers: Mapping[str, EventHandler],
        *,
        dead_letter_topic: str,
        metrics: ConsumerMetrics | None = None,
        max_transactions: int = 1,
        max_batch: int = 32,
    ) -> None:
        """Deliveries share transactions (group_commit): up to max_batch in one, max_transactions
        open at once. One at a time by default: on SQLite there is one writer anyway, and on
        PostgreSQL shared transactions whose handlers lock rows (a ledger's head) in different
        orders could deadlock each other. Raise it for handlers that wait on the network."""
        self.name = name
        self._db = database
        self._bus = bus
        self._handlers = dict(handlers)  # by event type: "commerce.payments.v1.PaymentCaptured"
        self._dead_letter_topic = dead_letter_topic
        self._metrics = metrics or ConsumerMetrics()
        self._transactions = GroupCommit(
            database, max_batch=max_batch, concurrency=max_transactions, opening=self._claim_in_inbox
        )

    async def start(self, subscription: str, *, max_outstanding: int = 100) -> SubscriptionHandle:
        """Consume `subscription` with up to max_outstanding deliveries in flight: while one
        transaction commits, the next deliveries are already here (they make up the next batch)
        and the acks of the last ones are on their way. Waiting ones hold no connection, and
        Pub/Sub extends their leases."""
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
        if not tenant_owns(envelope.tenant, envelope.subject):
            # The names only, truncated and quoted: never the event's data.
            await self._dead_letter(
                delivery, envelope, f"tenant {envelope.tenant[:70]!r} does not own subject {envelope.subject[:200]!r}"
            )
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
        with tracer.start_as_current_span(
            f"{envelope.type} process",
            context=extract_context(delivery.attributes),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.consumer": self.name, "messaging.message.id": envelope.id},
        ):
            return await self._run(handler, event, envelope, delivery)

    async def _run(
        self, handler: EventHandler, event: Message, envelope: EventEnvelope, delivery: Delivery
    ) -> ConsumerOutcome:
        try:
            if not await self._handle_once(handler, event, envelope, delivery):
                return ConsumerOutcome.DUPLICATE
        except PermanentError as err:
            await self._dead_letter(delivery, envelope, f"permanent: {err}")
            return ConsumerOutcome.DEAD_LETTERED
        except Exception as err:
            if is_unique_violation(err) and await self._took_effect(envelope):
                return ConsumerOutcome.DUPLICATE  # another delivery of this event committed first
            log.warning(
                "event handling failed; nacking for redelivery",
                extra={"event_id": envelope.id, "event_type": envelope.type, "consumer": self.name},
                exc_info=True,
            )
            raise
        return ConsumerOutcome.ACKED

    async def _handle_once(
        self, handler: EventHandler, event: Message, envelope: EventEnvelope, delivery: Delivery
    ) -> bool:
        """Run the handler in the inbox transaction; False when the inbox already holds the event."""
        span = otel_context.get_current()  # the delivery's span, whichever task runs the transaction

        async def handle_if_claimed(conn: AsyncConnection, claimed: set[str]) -> bool:
            if envelope.id not in claimed:
                return False
            claimed.discard(envelope.id)  # a second delivery of it in the same batch is a duplicate
            token = otel_context.attach(span)
            try:
                await handler(event, EventContext(envelope, conn, delivery.delivery_attempt))
            finally:
                otel_context.detach(token)
            return True

        return await self._transactions.run(handle_if_claimed, tag=envelope)

    async def _claim_in_inbox(self, conn: AsyncConnection, envelopes: list[EventEnvelope | None]) -> set[str]:
        """The opening of every consumer transaction: one inbox claim for all its events."""
        return await inbox.claim_all(conn, self.name, [envelope for envelope in envelopes if envelope is not None])

    async def _took_effect(self, envelope: EventEnvelope) -> bool:
        return await self._transactions.run(lambda conn, _: inbox.handled(conn, self.name, envelope.id))

    async def _dead_letter(self, delivery: Delivery, envelope: EventEnvelope | None, reason: str) -> None:
        log.error(
            "dead-lettering event: %s",
            reason,
            extra={"consumer": self.name, "event_id": envelope.id if envelope else ""},
        )
        if envelope is not None:
            recorded = await self._transactions.run(
                lambda conn, _: inbox.record_dead_letter(conn, self.name, envelope, reason)
            )
            if not recorded:  # still dead-lettered and acked below; the first event's record stands
                log.warning(
                    "the dead-lettered envelope reuses the id of an event handled already: its inbox row stays handled",
                    extra={"consumer": self.name, "event_id": envelope.id},
                )
        attributes = {**delivery.attributes, DEAD_LETTER_REASON: reason[:1024]}
        await self._bus.publish(self._dead_letter_topic, OutgoingMessage(delivery.data, attributes, ordering_key=""))
