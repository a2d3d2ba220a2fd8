"""Invoicing's event handlers: what each consumed event does, in the consumer's transaction.

Every handler runs inside the inbox transaction of mesh.events.EventConsumer, so the journal
entry, what it does to an invoice (a capture of an invoice's payment intent pays it, a refund
credits it with a credit note), the PSP item reconciliation matches settlements against, and the
"event seen" mark commit together: a redelivered or twice-published event changes nothing. An
event that breaks the posting rules is dead-lettered with the reason (PermanentError), because
retrying the same bytes cannot make it bookable.
"""

from __future__ import annotations

import datetime

from google.protobuf.message import Message

from commerce.invoicing.v1 import journal_entry_pb2
from mesh.events import EventContext, EventHandler, PermanentError
from mesh.events.envelope import tenant_owns
from mesh.money import Money
from services.invoicing import reconciliation_store
from services.invoicing.app import InvoicingApp
from services.invoicing.domain import postings
from services.invoicing.domain.errors import UnbalancedEntry
from services.invoicing.domain.payment_events import PaymentCaptured, PaymentEvent, PaymentRefunded
from services.invoicing.payment_event_messages import BOOKED_EVENTS, payment_event
from services.invoicing.reconciliation import ItemKind, LedgerFact

CONSUMER = "invoicing"
PAYMENTS_SUBSCRIPTION = "invoicing.payments-events"
PAYMENTS_DEAD_LETTER_TOPIC = "commerce.payments.events.dead-letter"


def payment_handlers(app: InvoicingApp) -> dict[str, EventHandler]:
    """The handlers for commerce.payments.events, by event type; other payment events are acked."""
    book = _booking(app)
    return {event.DESCRIPTOR.full_name: book for event in BOOKED_EVENTS}


async def _effect(app: InvoicingApp, event: PaymentEvent, context: EventContext) -> None:
    """What an event does beside its booking, before it (the invoice is locked before the ledger head)."""
    tenant = context.envelope.tenant
    match event:
        case PaymentCaptured():
            await app.invoices.on_captured(context.connection, tenant, event.payment_intent, event.amount)
        case PaymentRefunded():
            await app.invoices.on_refunded(
                context.connection, tenant, event.payment_intent, event.refund or event.event_id, event.amount
            )


def _psp_item(event: PaymentEvent, entry: journal_entry_pb2.JournalEntry) -> LedgerFact | None:
    """The capture or refund the PSP will settle, as reconciliation reads it; None for other events."""
    if not isinstance(event, PaymentCaptured | PaymentRefunded):
        return None
    if not event.psp_reference:
        return None
    amount = event.amount
    booked_at = entry.create_time.ToDatetime(tzinfo=datetime.UTC)
    if isinstance(event, PaymentRefunded):
        return LedgerFact(
            event.psp_reference, ItemKind.REFUND, -amount, Money.zero(amount.currency_code), booked_at, entry.name
        )
    fee = event.fee if event.fee is not None else Money.zero(amount.currency_code)
    return LedgerFact(event.psp_reference, ItemKind.CAPTURE, amount, fee, booked_at, entry.name)


def _booking(app: InvoicingApp) -> EventHandler:
    async def book(message: Message, context: EventContext) -> None:
        try:
            event = payment_event(message, context.envelope)
            draft = postings.payment_booking(event)
        except (postings.InvalidEvent, UnbalancedEntry) as err:
            raise PermanentError(str(err)) from err
        if draft is None:
            return
        tenant = context.envelope.tenant
        if not tenant_owns(tenant, draft.source_resource):
            # Booking it would put one tenant's money in another's ledger. The consumer checked the
            # envelope's subject; the entry's source is the event's own intent or refund.
            raise PermanentError(f"the event's tenant {tenant[:70]!r} does not own {draft.source_resource[:200]!r}")
        await _effect(app, event, context)
        entry = await app.post(context.connection, tenant, draft)
        item = _psp_item(event, entry)
        if item is not None:
            await reconciliation_store.record_item(context.connection, tenant, event.psp, item)

    return book
