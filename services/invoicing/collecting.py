"""PayInvoice with a payment_method: invoicing collects the invoice itself through PaymentService.

The steps, with the payments calls between local transactions, never inside one:
1. read the invoice: payable, and the amount (the request's, or all that is due) within its due;
   record that amount as this request's plan (a retry that resumes it charges the plan, so it
   still answers after its capture has paid the invoice);
2. CreatePaymentIntent, AUTOMATIC capture, for that amount, naming the invoice;
3. link the intent to the invoice: the phase PayInvoice with a payment_intent runs;
4. AuthorizePaymentIntent: approved, payments captures at once and publishes PaymentCaptured,
   which pays the invoice in invoicing's consumer (handlers.py) like any capture of a linked
   intent. So the answer is the invoice as linked; it is PAID once that event is booked.
A decline (payments' CARD_DECLINED) leaves the invoice unchanged: one phase publishes
InvoicePaymentFailed and the call fails FAILED_PRECONDITION / INVOICE_PAYMENT_FAILED with the
decline's metadata (and payments' reason as "cause_reason"), committed with the idempotency key
(keep_effects) so a replay answers it again. Other payments failures (PSP_UNAVAILABLE,
OUTCOME_UNKNOWN, an open breaker) reach the caller as payments sent them.
Every step repeats safely when a retry resumes the request: the payments request_ids derive from
PayInvoice's, and linking the same intent again changes nothing.
"""

from __future__ import annotations

from typing import NoReturn

from commerce.invoicing.v1 import error_reason_pb2
from commerce.payments.v1 import error_reason_pb2 as payments_error_reason_pb2
from mesh.errors import Code, DomainError, common, reason_of
from mesh.events import EventWriter
from mesh.idempotency import atomic_phase, resumed
from mesh.money import Money
from services.invoicing import billing_store, messages
from services.invoicing.billing_store import InvoiceRecord
from services.invoicing.domain.billing_errors import PaymentExceedsAmountDue
from services.invoicing.domain.invoice import Action, Invoice
from services.invoicing.domain.invoice.states import require
from services.invoicing.invoice_checks import FieldRejected
from services.invoicing.invoices import SOURCE, TOPIC, InvoiceNotFound, InvoiceUseCases
from services.invoicing.payments_client import Collection, PaymentsClient

CARD_DECLINED = reason_of(payments_error_reason_pb2.ErrorReason, payments_error_reason_pb2.ERROR_REASON_CARD_DECLINED)
COLLECTION_PLANNED = "collection_planned"
_PAYMENT_FAILED = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_INVOICE_PAYMENT_FAILED)


class CollectionUseCases:
    def __init__(
        self,
        invoices: InvoiceUseCases,
        payments: PaymentsClient | None,
        *,
        writer: EventWriter = EventWriter(SOURCE, TOPIC),
    ) -> None:
        self._invoices = invoices
        self._payments = payments
        self._writer = writer

    async def collect(
        self, tenant: str, invoice_id: str, request_id: str, payment_method: str, amount: Money | None
    ) -> InvoiceRecord:
        """Charge `payment_method` for the invoice (`amount`, or all that is due) and link the charge."""
        payments = self._require_payments()
        record = await self._invoices.get(tenant, invoice_id)
        planned = await self._planned(tenant, request_id, invoice_id) if resumed() else None
        if planned is None:
            planned = _checked_amount(record.invoice, amount)
            async with atomic_phase(self._invoices.db, COLLECTION_PLANNED) as conn:
                await billing_store.save_planned_collection(conn, tenant, request_id, invoice_id, planned)
        # A retry resuming this request charges what it planned, even if the capture it made has
        # paid the invoice meanwhile: payments replays that charge, it never makes a second.
        collection = _collection(tenant, request_id, record.invoice, payment_method, planned)
        intent = await payments.create_intent(collection)
        await self._invoices.pay(tenant, invoice_id, intent.name, collection.amount)
        try:
            await payments.authorize(collection, intent.name)
        except DomainError as err:
            if err.reason != CARD_DECLINED:
                raise
            await self._declined(tenant, invoice_id, collection, intent.name, err)
        return await self._invoices.get(tenant, invoice_id)

    async def _declined(
        self, tenant: str, invoice_id: str, collection: Collection, intent: str, declined: DomainError
    ) -> NoReturn:
        metadata = {
            **declined.metadata,
            "payment_intent": intent,
            "cause_reason": declined.reason.name,
            "cause_domain": declined.reason.domain,
        }
        async with atomic_phase(self._invoices.db, "invoice_payment_failed") as conn:
            record = await billing_store.load_invoice(conn, tenant, invoice_id)
            if record is None:  # never: a payment was just applied to it
                raise InvoiceNotFound(f"no invoice {invoice_id[:64]!r}")
            event = messages.invoice_payment_failed(
                record.invoice,
                payment_intent=intent,
                amount=collection.amount,
                decline_code=metadata.get("decline_code", ""),
                hard_decline=metadata.get("hard_decline") == "true",
            )
            await self._writer.emit(conn, event, subject=record.invoice.name, tenant=tenant)
            # keep_effects: the event commits with the refusal, which the idempotency key keeps.
            raise DomainError(
                Code.FAILED_PRECONDITION,
                _PAYMENT_FAILED,
                f"collecting the invoice was declined: {declined.message}",
                metadata=metadata,
                keep_effects=True,
            )

    async def _planned(self, tenant: str, request_id: str, invoice_id: str) -> Money | None:
        async with self._invoices.db.read() as conn:
            return await billing_store.planned_collection(conn, tenant, request_id, invoice_id)

    def _require_payments(self) -> PaymentsClient:
        if self._payments is None:  # PAYMENTS_SERVICE_ADDR unset: this process cannot collect
            raise DomainError(
                Code.UNIMPLEMENTED,
                common.VALIDATION_FAILED,
                "collecting with a payment_method needs PAYMENTS_SERVICE_ADDR; pay with a captured payment_intent",
            )
        return self._payments


def _checked_amount(invoice: Invoice, amount: Money | None) -> Money:
    """What to charge (`amount`, or all that is due), refused before anything is asked of payments
    when the invoice cannot take it."""
    require(Action.PAY, invoice.state)
    if amount is not None and amount.currency_code != invoice.currency_code:
        raise FieldRejected("amount.currency_code", f"must be the invoice's currency {invoice.currency_code}")
    if amount is not None and amount > invoice.amount_due:
        raise PaymentExceedsAmountDue(invoice.amount_due.amount_minor)
    return amount or invoice.amount_due


def _collection(tenant: str, request_id: str, invoice: Invoice, payment_method: str, amount: Money) -> Collection:
    label = f"Invoice {invoice.number} ({invoice.name})"
    return Collection(
        tenant=tenant,
        request_id=request_id,
        invoice=invoice.name,
        description=label,
        order=invoice.order,
        payment_method=payment_method,
        amount=amount,
    )
