"""Invoicing's event handlers: what each consumed event does, in the consumer's transaction.

Every handler runs inside the inbox transaction of mesh.events.EventConsumer, so the journal
entry and the "event seen" mark commit together: a redelivered or twice-published event books
nothing new. An event that breaks the posting rules is dead-lettered with the reason (PermanentError),
because retrying the same bytes cannot make it bookable.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import events_pb2 as payments_events
from mesh.events import EventContext, EventHandler, PermanentError
from mesh.interceptors.auth import TENANT_ID
from services.invoicing.app import InvoicingApp
from services.invoicing.domain import postings
from services.invoicing.domain.entries import EntryDraft
from services.invoicing.domain.errors import UnbalancedEntry

CONSUMER = "invoicing"
PAYMENTS_SUBSCRIPTION = "invoicing.payments-events"
PAYMENTS_DEAD_LETTER_TOPIC = "commerce.payments.events.dead-letter"

Rule = Callable[[Message, envelope_pb2.EventEnvelope], EntryDraft | None]

_PAYMENT_RULES: dict[type[Message], Rule] = {
    payments_events.PaymentAuthorized: postings.payment_authorized,
    payments_events.PaymentCaptured: postings.payment_captured,
    payments_events.PaymentCanceled: postings.payment_canceled,
    payments_events.PaymentRefunded: postings.payment_refunded,
}


def payment_handlers(app: InvoicingApp) -> dict[str, EventHandler]:
    """The handlers for commerce.payments.events, by event type; other payment events are acked."""
    return {event.DESCRIPTOR.full_name: _booking(app, rule) for event, rule in _PAYMENT_RULES.items()}


def _booking(app: InvoicingApp, rule: Rule) -> EventHandler:
    async def book(event: Message, context: EventContext) -> None:
        try:
            draft = rule(event, context.envelope)
        except (postings.InvalidEvent, UnbalancedEntry) as err:
            raise PermanentError(str(err)) from err
        if draft is None:
            return
        tenant = context.envelope.tenant
        if not TENANT_ID.match(tenant) or not draft.source_resource.startswith(f"tenants/{tenant}/"):
            # Booking it would put one tenant's money in another's ledger.
            raise PermanentError(f"the event's tenant {tenant[:70]!r} does not own {draft.source_resource[:200]!r}")
        await app.post(context.connection, tenant, draft)

    return book
