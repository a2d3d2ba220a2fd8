"""The invoice use cases: create, finalize, void, write off, pay, credit; and what captures and
refunds of an invoice's payment intent do to it.

Each write is one atomic phase (mesh.idempotency.atomic_phase) that commits the invoice, its
ledger entry (postings.*) and its event (outbox) together. Finalization is two: the tax
provider is asked between reading the draft and the phase that numbers and books it, so no
transaction is open during the provider's call (tax_hook.py says what happens when it is down).
A refusal of the domain (billing_errors) raises before anything is written.

Payments meet invoices through invoice_payments: PayInvoice links a payment intent to the
invoice; the PaymentCaptured consumer adds what was captured; whatever is captured and not yet
applied is applied as soon as both are known, in whichever order they arrive.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Awaitable, Callable, Sequence

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events import EventWriter
from mesh.idempotency import atomic_phase, current_recovery_point
from mesh.ids import derive_id
from mesh.money import Money
from mesh.pagination import Page, PageRequest
from mesh.persistence import Database
from services.invoicing import billing_store, messages
from services.invoicing.billing_store import CREDIT_NOTE_SERIES, INVOICE_SERIES, PaymentLink
from services.invoicing.domain import postings
from services.invoicing.domain.billing_errors import BillingError, PaymentExceedsAmountDue
from services.invoicing.domain.credit_notes import CreditLineRequest, CreditNote, CreditNoteReason, issue_credit_note
from services.invoicing.domain.entries import EntryDraft
from services.invoicing.domain.invoice import Action, Invoice, InvoiceFilter, InvoiceRecord, InvoiceState, NewLine
from services.invoicing.domain.invoice.states import allowed, require
from services.invoicing.domain.tax import CustomerTaxDetails, Jurisdiction
from services.invoicing.invoice_checks import check_new_invoice
from services.invoicing.tax_hook import TaxHook

SOURCE = "//commerce-mesh/invoicing"
TOPIC = "commerce.invoicing.events"
FINALIZED = "invoice_finalized"
VOIDED = "invoice_voided"
WRITTEN_OFF = "invoice_written_off"
PAYMENT_LINKED = "invoice_payment_linked"

Post = Callable[[AsyncConnection, str, EntryDraft], Awaitable[object]]


class InvoiceNotFound(BillingError):
    reason, code = "NOT_FOUND", "NOT_FOUND"


class PaymentNotApplicable(BillingError):
    reason, code = "PAYMENT_NOT_APPLICABLE", "FAILED_PRECONDITION"


@dataclasses.dataclass(frozen=True)
class TaxSetup:
    """The seller's side of tax: where it is, the code of a line without one, the codes that exist."""

    seller: Jurisdiction
    default_tax_code: str
    known_codes: frozenset[str]


@dataclasses.dataclass(frozen=True)
class NewInvoice:
    currency_code: str
    lines: Sequence[NewLine]
    customer: str = ""
    order: str = ""
    subscription: str = ""
    days_until_due: int = 0
    customer_tax: CustomerTaxDetails = CustomerTaxDetails()


class InvoiceUseCases:
    def __init__(
        self,
        database: Database,
        post: Post,
        tax: TaxHook,
        setup: TaxSetup,
        *,
        clock: Callable[[], datetime.datetime],
        writer: EventWriter = EventWriter(SOURCE, TOPIC),
    ) -> None:
        self.db = database
        self._post = post
        self._tax = tax
        self._setup = setup
        self._now = clock
        self._writer = writer

    # Drafts and their exits.

    async def create(self, tenant: str, request_id: str, new: NewInvoice) -> InvoiceRecord:
        check_new_invoice(new.currency_code, new.lines, self._setup.known_codes)
        name = f"tenants/{tenant}/invoices/{derive_id('inv', tenant, request_id)}"
        invoice = Invoice.draft(
            name=name,
            currency_code=new.currency_code,
            lines=new.lines,
            created_at=self._now(),
            customer=new.customer,
            order=new.order,
            subscription=new.subscription,
            days_until_due=new.days_until_due,
        )
        async with atomic_phase(self.db, "invoice_created") as conn:
            existing = await billing_store.load_invoice(conn, tenant, billing_store.invoice_id_of(name))
            if existing is not None:
                return existing  # a resumed request: the draft was committed before
            record = InvoiceRecord(invoice, new.customer_tax)
            await billing_store.insert_invoice(conn, tenant, record)
        return record

    async def finalize(self, tenant: str, invoice_id: str) -> InvoiceRecord:
        if (done := await self._done_before(FINALIZED, tenant, invoice_id)) is not None:
            return done
        record = await self.get(tenant, invoice_id)
        customer = record.customer_tax.customer(self._setup.seller)
        request = record.invoice.tax_request(
            seller=self._setup.seller, customer=customer, default_tax_code=self._setup.default_tax_code
        )
        taxes = await self._tax.calculate(request)  # between transactions, through mesh.resilience
        async with atomic_phase(self.db, FINALIZED) as conn:
            locked = await self._locked(conn, tenant, invoice_id)
            locked.invoice.ensure_finalizable()  # it may have been voided while the provider answered
            number = await billing_store.next_number(conn, tenant, INVOICE_SERIES)
            issued = locked.invoice.finalize(number=number, taxes=taxes, at=self._now())
            await self._commit(
                conn, tenant, issued, postings.invoice_finalized(issued), messages.invoice_issued(issued)
            )
        return dataclasses.replace(locked, invoice=issued)

    async def void(self, tenant: str, invoice_id: str, reason: str) -> InvoiceRecord:
        if (done := await self._done_before(VOIDED, tenant, invoice_id)) is not None:
            return done
        async with atomic_phase(self.db, VOIDED) as conn:
            locked = await self._locked(conn, tenant, invoice_id)
            voided = locked.invoice.void(reason=reason, at=self._now())
            await self._commit(conn, tenant, voided, postings.invoice_voided(voided), messages.invoice_voided(voided))
        return dataclasses.replace(locked, invoice=voided)

    async def mark_uncollectible(self, tenant: str, invoice_id: str) -> InvoiceRecord:
        if (done := await self._done_before(WRITTEN_OFF, tenant, invoice_id)) is not None:
            return done
        async with atomic_phase(self.db, WRITTEN_OFF) as conn:
            locked = await self._locked(conn, tenant, invoice_id)
            written_off = locked.invoice.mark_uncollectible(at=self._now())
            await self._commit(
                conn,
                tenant,
                written_off,
                postings.invoice_marked_uncollectible(written_off),
                messages.invoice_marked_uncollectible(written_off),
            )
        return dataclasses.replace(locked, invoice=written_off)

    # Payments.

    async def pay(self, tenant: str, invoice_id: str, payment_intent: str, amount: Money | None) -> InvoiceRecord:
        """Link `payment_intent` to the invoice and apply what it captured (up to `amount`)."""
        if (done := await self._done_before(PAYMENT_LINKED, tenant, invoice_id)) is not None:
            return done
        async with atomic_phase(self.db, PAYMENT_LINKED) as conn:
            locked = await self._locked(conn, tenant, invoice_id)
            invoice = locked.invoice
            require(Action.PAY, invoice.state)
            if amount is not None and amount > invoice.amount_due:
                raise PaymentExceedsAmountDue(invoice.amount_due.amount_minor)
            link = await self._link_for(conn, tenant, payment_intent, invoice, invoice_id)
            paid, link = await self._apply_captured(conn, tenant, invoice, link, limit=amount)
            await billing_store.save_payment_link(conn, tenant, link)
        return dataclasses.replace(locked, invoice=paid)

    async def on_captured(self, conn: AsyncConnection, tenant: str, payment_intent: str, amount: Money) -> None:
        """A capture of `payment_intent`, in the consumer's transaction: applied if it pays an invoice."""
        seen = await billing_store.payment_link(conn, tenant, payment_intent, lock=False)
        record = await self._linked_invoice(conn, tenant, seen)  # lock order: the invoice, then the link
        link = await billing_store.payment_link(conn, tenant, payment_intent)
        link = link or PaymentLink(payment_intent, "", amount.currency_code, 0, 0)
        if link.currency_code != amount.currency_code:
            return  # another currency than the invoice's: it cannot pay it; the ledger still books it
        link = dataclasses.replace(link, captured_minor=link.captured_minor + amount.amount_minor)
        if link.invoice_id and record is None:
            record = await self._locked(conn, tenant, link.invoice_id)
        if record is not None:
            _, link = await self._apply_captured(conn, tenant, record.invoice, link, limit=None)
        await billing_store.save_payment_link(conn, tenant, link)

    async def on_refunded(
        self, conn: AsyncConnection, tenant: str, payment_intent: str, refund: str, amount: Money
    ) -> CreditNote | None:
        """A refund of an invoice's payment: a credit note for it, within what is still creditable."""
        link = await billing_store.payment_link(conn, tenant, payment_intent, lock=False)
        record = await self._linked_invoice(conn, tenant, link)
        if record is None or not allowed(Action.CREDIT, record.invoice.state):
            return None
        invoice = record.invoice
        credited = min(amount, invoice.creditable) if amount.currency_code == invoice.currency_code else None
        if not credited or credited.amount_minor <= 0:
            return None
        note_id = derive_id("cn", tenant, refund)
        note, _ = await self._issue_note(
            conn,
            tenant,
            invoice,
            note_id,
            amount=credited,
            lines=(),
            reason=CreditNoteReason.ORDER_CHANGE,
            memo=f"Refund {refund}",
        )
        return note

    # Credit notes.

    async def credit(
        self,
        tenant: str,
        invoice_id: str,
        request_id: str,
        *,
        amount: Money | None,
        lines: Sequence[CreditLineRequest],
        reason: CreditNoteReason,
        memo: str,
    ) -> tuple[CreditNote, InvoiceRecord]:
        note_id = derive_id("cn", tenant, request_id)
        async with atomic_phase(self.db, "credit_note_issued") as conn:
            locked = await self._locked(conn, tenant, invoice_id)
            existing = await billing_store.load_credit_note(conn, tenant, note_id)
            if existing is not None:
                return existing, locked  # a resumed request
            note, credited = await self._issue_note(
                conn, tenant, locked.invoice, note_id, amount=amount, lines=lines, reason=reason, memo=memo
            )
        return note, dataclasses.replace(locked, invoice=credited)

    # Reads.

    async def get(self, tenant: str, invoice_id: str) -> InvoiceRecord:
        async with self.db.read() as conn:
            return _found(await billing_store.load_invoice(conn, tenant, invoice_id), invoice_id)

    async def list(self, tenant: str, where: InvoiceFilter, page: PageRequest) -> Page[InvoiceRecord]:
        async with self.db.read() as conn:
            return await billing_store.list_invoices(conn, tenant, where, page)

    async def credit_note(self, tenant: str, invoice_id: str, note_id: str) -> CreditNote:
        """The credit note; NOT_FOUND unless it is one of this invoice's."""
        async with self.db.read() as conn:
            note = await billing_store.load_credit_note(conn, tenant, note_id)
        if note is None or billing_store.invoice_id_of(note.invoice) != invoice_id:
            raise InvoiceNotFound(f"no credit note {note_id[:64]!r}")
        return note

    async def credit_notes(self, tenant: str, invoice_id: str, page: PageRequest) -> Page[CreditNote]:
        await self.get(tenant, invoice_id)  # NOT_FOUND for an invoice that does not exist
        async with self.db.read() as conn:
            return await billing_store.list_credit_notes(conn, tenant, invoice_id, page)

    # Helpers.

    async def _done_before(self, phase: str, tenant: str, invoice_id: str) -> InvoiceRecord | None:
        """The stored invoice if this request committed `phase` and was interrupted before it
        answered: its retry answers what the phase left, not a refusal of its own transition."""
        if current_recovery_point() != phase:
            return None
        return await self.get(tenant, invoice_id)

    async def _issue_note(
        self,
        conn: AsyncConnection,
        tenant: str,
        invoice: Invoice,
        note_id: str,
        *,
        amount: Money | None,
        lines: Sequence[CreditLineRequest],
        reason: CreditNoteReason,
        memo: str,
    ) -> tuple[CreditNote, Invoice]:
        require(Action.CREDIT, invoice.state)  # before a number is drawn
        number = await billing_store.next_number(conn, tenant, CREDIT_NOTE_SERIES)
        note, credited = issue_credit_note(
            invoice,
            name=f"{invoice.name}/creditNotes/{note_id}",
            number=number,
            reason=reason,
            created_at=self._now(),
            amount=amount,
            lines=lines,
            memo=memo,
        )
        await billing_store.insert_credit_note(conn, tenant, note)
        await self._commit(
            conn, tenant, credited, postings.credit_note_issued(note), messages.credit_note_issued(note, credited)
        )
        await self._announce_paid(conn, tenant, invoice, credited, payment_intent="")
        return note, credited

    async def _apply_captured(
        self, conn: AsyncConnection, tenant: str, invoice: Invoice, link: PaymentLink, *, limit: Money | None
    ) -> tuple[Invoice, PaymentLink]:
        """Apply the link's unapplied capture, up to the amount due (and `limit`), if it can pay."""
        if not allowed(Action.PAY, invoice.state):
            return invoice, link
        minor = min(
            link.unapplied_minor,
            invoice.amount_due.amount_minor,
            limit.amount_minor if limit is not None else link.unapplied_minor,
        )
        if minor <= 0:
            return invoice, link
        amount = Money(invoice.currency_code, minor)
        recovered = postings.uncollectible_payment_recovered(invoice, amount)
        paid = invoice.apply_payment(amount, payment_intent=link.payment_intent, at=self._now())
        await self._commit(conn, tenant, paid, recovered, None)
        await self._announce_paid(conn, tenant, invoice, paid, payment_intent=link.payment_intent)
        return paid, dataclasses.replace(link, applied_minor=link.applied_minor + minor)

    async def _link_for(
        self, conn: AsyncConnection, tenant: str, payment_intent: str, invoice: Invoice, invoice_id: str
    ) -> PaymentLink:
        link = await billing_store.payment_link(conn, tenant, payment_intent)
        link = link or PaymentLink(payment_intent, invoice_id, invoice.currency_code, 0, 0)
        if link.invoice_id not in ("", invoice_id):
            raise PaymentNotApplicable("the payment intent already pays another invoice", applicable_minor="0")
        if link.currency_code != invoice.currency_code:
            raise PaymentNotApplicable(f"the payment intent is in {link.currency_code}", applicable_minor="0")
        return dataclasses.replace(link, invoice_id=invoice_id)

    async def _linked_invoice(
        self, conn: AsyncConnection, tenant: str, link: PaymentLink | None
    ) -> InvoiceRecord | None:
        if link is None or not link.invoice_id:
            return None
        return await billing_store.load_invoice(conn, tenant, link.invoice_id, lock=True)

    async def _announce_paid(
        self, conn: AsyncConnection, tenant: str, before: Invoice, after: Invoice, *, payment_intent: str
    ) -> None:
        if after.state is InvoiceState.PAID and before.state is not InvoiceState.PAID:
            await self._emit(conn, tenant, after.name, messages.invoice_paid(after, payment_intent))

    async def _commit(
        self, conn: AsyncConnection, tenant: str, invoice: Invoice, entry: EntryDraft | None, event: Message | None
    ) -> None:
        """The invoice's new state, its ledger entry and its event, in the caller's transaction."""
        await billing_store.save_invoice(conn, tenant, invoice)
        if entry is not None:
            await self._post(conn, tenant, entry)
        if event is not None:
            await self._emit(conn, tenant, invoice.name, event)

    async def _emit(self, conn: AsyncConnection, tenant: str, subject: str, event: Message) -> None:
        await self._writer.emit(conn, event, subject=subject, tenant=tenant)

    async def _locked(self, conn: AsyncConnection, tenant: str, invoice_id: str) -> InvoiceRecord:
        return _found(await billing_store.load_invoice(conn, tenant, invoice_id, lock=True), invoice_id)


def _found(record: InvoiceRecord | None, invoice_id: str) -> InvoiceRecord:
    if record is None:
        raise InvoiceNotFound(f"no invoice {invoice_id[:64]!r}")
    return record
