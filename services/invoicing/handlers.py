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
from collections.abc import Awaitable, Callable

from google.protobuf.message import Message

from commerce.event.v1 import envelope_pb2
from commerce.invoicing.v1 import journal_entry_pb2
from commerce.payments.v1 import events_pb2 as payments_events
from mesh.events import EventContext, EventHandler, PermanentError
from mesh.interceptors.auth import TENANT_ID
from mesh.money import Money
from services.invoicing import reconciliation_store
from services.invoicing.app import InvoicingApp
from services.invoicing.domain import postings
from services.invoicing.domain.entries import EntryDraft
from services.invoicing.domain.errors import UnbalancedEntry
from services.invoicing.reconciliation import ItemKind, LedgerFact

CONSUMER = "invoicing"
PAYMENTS_SUBSCRIPTION = "invoicing.payments-events"
PAYMENTS_DEAD_LETTER_TOPIC = "commerce.payments.events.dead-letter"

Rule = Callable[[Message, envelope_pb2.EventEnvelope], EntryDraft | None]
# What an event does beside its booking, before it (the invoice is locked before the ledger head).
Effect = Callable[[InvoicingApp, Message, EventContext], Awaitable[None]]

_PAYMENT_RULES: dict[type[Message], Rule] = {
    payments_events.PaymentAuthorized: postings.payment_authorized,
    payments_events.PaymentCaptured: postings.payment_captured,
    payments_events.PaymentCanceled: postings.payment_canceled,
    payments_events.PaymentRefunded: postings.payment_refunded,
}


async def _captured(app: InvoicingApp, event: payments_events.PaymentCaptured, context: EventContext) -> None:
    amount = Money.from_proto(event.amount)
    await app.invoices.on_captured(context.connection, context.envelope.tenant, event.payment_intent, amount)


async def _refunded(app: InvoicingApp, event: payments_events.PaymentRefunded, context: EventContext) -> None:
    amount = Money.from_proto(event.amount)
    await app.invoices.on_refunded(context.connection, context.envelope.tenant, event.payment_intent,
                                   event.refund or context.envelope.id, amount)


_EFFECTS: dict[type[Message], Effect] = {
    payments_events.PaymentCaptured: _captured,
    payments_events.PaymentRefunded: _refunded,
}


def payment_handlers(app: InvoicingApp) -> dict[str, EventHandler]:
    """The handlers for commerce.payments.events, by event type; other payment events are acked."""
    return {event.DESCRIPTOR.full_name: _booking(app, rule, _EFFECTS.get(event))
            for event, rule in _PAYMENT_RULES.items()}


def _psp_item(event: Message, entry: journal_entry_pb2.JournalEntry) -> LedgerFact | None:
    """The capture or refund the PSP will settle, as reconciliation reads it; None for other events."""
    if not isinstance(event, payments_events.PaymentCaptured | payments_events.PaymentRefunded):
        return None
    if not event.psp_reference:
        return None
    amount = Money.from_proto(event.amount)
    booked_at = entry.create_time.ToDatetime(tzinfo=datetime.UTC)
    if isinstance(event, payments_events.PaymentRefunded):
        return LedgerFact(event.psp_reference, ItemKind.REFUND, -amount, Money.zero(amount.currency_code),
                          booked_at, entry.name)
    fee = Money.from_proto(event.fee) if event.HasField("fee") else Money.zero(amount.currency_code)
    return LedgerFact(event.psp_reference, ItemKind.CAPTURE, amount, fee, booked_at, entry.name)


def _booking(app: InvoicingApp, rule: Rule, effect: Effect | None) -> EventHandler:
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
        if effect is not None:
            await effect(app, event, context)
        entry = await app.post(context.connection, tenant, draft)
        item = _psp_item(event, entry)
        if item is not None:
            await reconciliation_store.record_item(context.connection, tenant, event.psp, item)

    return book
