"""The ledger postings of the payment events (the chart's rules, as account.proto describes them).

- PaymentAuthorized: a hold, on the memo pair: debit authorization-holds-{psp}, credit
  authorization-holds-offset, the authorized amount. No money moved yet.
- PaymentCaptured: money at the PSP, net of its fee: debit cash-at-psp-{psp} amount − fee, debit
  psp-fees-{psp} fee, credit accounts-receivable amount; and the captured amount leaves the hold.
- PaymentCanceled: the voided authorization leaves the hold; nothing when nothing was held.
- PaymentRefunded: money back to the customer: debit accounts-receivable, credit cash-at-psp-{psp}.

Each rule is a pure function of the event (payment_events); the entry's key is the event id, so
a redelivered event can only ever book the entry it booked the first time. An event that breaks
the rules (no PSP named, a fee in another currency or above the amount) raises InvalidEvent:
booking a guess would be worse than holding the event for an operator.

The invoices' own moves, from the domain values (keys name the invoice or credit note and the
move, so each books once):
- invoice finalized: debit accounts-receivable total, debit discounts (the credit lines before
  tax), credit revenue subtotal (the charges before tax), credit tax-payable tax (a debit if the
  credit lines' tax outweighs the charges'). total = subtotal − discounts + tax, so it balances.
- credit note issued (the reversing entry): debit refunds subtotal, debit tax-payable tax,
  credit accounts-receivable total.
- issued invoice voided: what was not yet credited comes back: debit revenue, credit discounts,
  debit tax-payable, credit accounts-receivable (bad-debt instead for what was written off).
- invoice marked uncollectible: debit bad-debt, credit accounts-receivable, the amount due.
- payment applied to an uncollectible invoice: the write-off is recovered for that amount:
  debit accounts-receivable, credit bad-debt (the capture itself books as PaymentCaptured).
"""

from __future__ import annotations

from collections.abc import Iterable

from mesh.money import CurrencyMismatch, Money
from services.invoicing.domain import accounts
from services.invoicing.domain.credit_notes import CreditNote
from services.invoicing.domain.entries import EntryDraft, Posting, credit, debit
from services.invoicing.domain.invoice import Invoice, InvoiceState
from services.invoicing.domain.payment_events import (
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentEvent,
    PaymentRefunded,
)

__all__ = [
    "InvalidEvent",
    "credit_note_issued",
    "invoice_finalized",
    "invoice_marked_uncollectible",
    "invoice_voided",
    "payment_authorized",
    "payment_booking",
    "payment_canceled",
    "payment_captured",
    "payment_refunded",
    "uncollectible_payment_recovered",
]


class InvalidEvent(Exception):
    """The event cannot be booked as it is; the message says why (never with card data)."""


def payment_booking(event: PaymentEvent) -> EntryDraft | None:
    """The entry `event` books, by its rule below; None when it books nothing."""
    match event:
        case PaymentAuthorized():
            return payment_authorized(event)
        case PaymentCaptured():
            return payment_captured(event)
        case PaymentCanceled():
            return payment_canceled(event)
        case PaymentRefunded():
            return payment_refunded(event)


def payment_authorized(event: PaymentAuthorized) -> EntryDraft:
    amount, psp = _positive(event.amount), _psp(event.psp)
    return _draft(
        event,
        event.payment_intent,
        f"Authorization of {_show(amount)} held at {psp}",
        [
            debit(accounts.authorization_holds(psp), amount),
            credit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
        ],
    )


def payment_captured(event: PaymentCaptured) -> EntryDraft:
    amount, psp = _positive(event.amount), _psp(event.psp)
    fee = event.fee if event.fee is not None else Money.zero(amount.currency_code)
    try:
        net = amount - fee
    except CurrencyMismatch as err:
        raise InvalidEvent(f"fee in {fee.currency_code} on a capture in {amount.currency_code}") from err
    if fee.amount_minor < 0 or net.amount_minor < 0:
        raise InvalidEvent(f"fee {_show(fee)} is outside 0..{_show(amount)}")
    description = f"Capture of {_show(amount)} at {psp} (fee {_show(fee)}, reference {event.psp_reference})"
    return _draft(
        event,
        event.payment_intent,
        description,
        [
            debit(accounts.cash_at_psp(psp), net),
            debit(accounts.psp_fees(psp), fee),
            credit(accounts.ACCOUNTS_RECEIVABLE, amount),
            debit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
            credit(accounts.authorization_holds(psp), amount),
        ],
    )


def payment_canceled(event: PaymentCanceled) -> EntryDraft | None:
    if not event.psp:
        return None  # canceled before any PSP held funds: nothing to release
    if event.amount is None:
        raise InvalidEvent("malformed amount: the event has none")
    amount, psp = _positive(event.amount), _psp(event.psp)
    return _draft(
        event,
        event.payment_intent,
        f"Authorization of {_show(amount)} at {psp} voided",
        [
            debit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
            credit(accounts.authorization_holds(psp), amount),
        ],
    )


def payment_refunded(event: PaymentRefunded) -> EntryDraft:
    amount, psp = _positive(event.amount), _psp(event.psp)
    description = f"Refund of {_show(amount)} at {psp} (reference {event.psp_reference})"
    return _draft(
        event,
        event.refund or event.payment_intent,
        description,
        [
            debit(accounts.ACCOUNTS_RECEIVABLE, amount),
            credit(accounts.cash_at_psp(psp), amount),
        ],
    )


def _draft(event: PaymentEvent, source: str, description: str, postings: Iterable[Posting]) -> EntryDraft:
    return EntryDraft.of(
        f"event:{event.event_id}",
        postings,
        description=description,
        source_resource=source,
        source_event_id=event.event_id,
        source_event_type=event.event_type,
    )


def _positive(amount: Money) -> Money:
    if amount.amount_minor <= 0:
        raise InvalidEvent("amount is not positive")
    return amount


def _psp(psp: str) -> str:
    try:
        accounts.authorization_holds(psp)  # the strictest: refuses "offset" too
    except ValueError as err:
        raise InvalidEvent(f"the event names no valid PSP connector ({psp[:50]!r})") from err
    return psp


def _show(amount: Money) -> str:
    return amount.display()


# The invoices' own moves.


def invoice_finalized(invoice: Invoice) -> EntryDraft:
    """`invoice` as it is once OPEN."""
    totals = invoice.totals
    return _invoice_draft(
        invoice,
        "finalized",
        f"Invoice {invoice.number} issued: {_show(totals.total)}",
        [
            debit(accounts.ACCOUNTS_RECEIVABLE, totals.total),
            debit(accounts.DISCOUNTS, totals.discounts),
            credit(accounts.REVENUE, totals.subtotal),
            _credit_signed(accounts.TAX_PAYABLE, totals.tax),
        ],
    )


def credit_note_issued(note: CreditNote) -> EntryDraft:
    return EntryDraft.of(
        f"creditNote:{note.name}:issued",
        [
            debit(accounts.REFUNDS, note.subtotal),
            debit(accounts.TAX_PAYABLE, note.tax),
            credit(accounts.ACCOUNTS_RECEIVABLE, note.total),
        ],
        description=f"Credit note {note.number} on {note.invoice}: {_show(note.total)}",
        source_resource=note.name,
    )


def invoice_voided(invoice: Invoice) -> EntryDraft | None:
    """`invoice` as it is once VOID; None for a voided draft, which booked nothing."""
    if not invoice.is_issued:
        return None
    totals, zero = invoice.totals, Money.zero(invoice.currency_code)
    credited_amount = sum((line.amount_credited for line in invoice.lines), zero)
    credited_tax = sum((line.tax_credited for line in invoice.lines), zero)
    written_off = invoice.amount_written_off
    return _invoice_draft(
        invoice,
        "voided",
        f"Invoice {invoice.number} voided: {_show(invoice.amount_voided)}",
        [
            debit(accounts.REVENUE, totals.subtotal - credited_amount),
            credit(accounts.DISCOUNTS, totals.discounts),
            _credit_signed(accounts.TAX_PAYABLE, credited_tax - totals.tax),
            credit(accounts.ACCOUNTS_RECEIVABLE, invoice.amount_voided - written_off),
            credit(accounts.BAD_DEBT, written_off),
        ],
    )


def invoice_marked_uncollectible(invoice: Invoice) -> EntryDraft:
    """`invoice` as it is once UNCOLLECTIBLE."""
    written_off = invoice.amount_written_off
    return _invoice_draft(
        invoice,
        "uncollectible",
        f"Invoice {invoice.number} written off: {_show(written_off)}",
        [
            debit(accounts.BAD_DEBT, written_off),
            credit(accounts.ACCOUNTS_RECEIVABLE, written_off),
        ],
    )


def uncollectible_payment_recovered(before: Invoice, amount: Money) -> EntryDraft | None:
    """A payment of `amount` applied to `before`: recovers the write-off if it was UNCOLLECTIBLE."""
    if before.state is not InvoiceState.UNCOLLECTIBLE:
        return None
    move = f"payment-{len(before.payments) + 1}-recovered"
    return _invoice_draft(
        before,
        move,
        f"Invoice {before.number}: {_show(amount)} of the write-off recovered",
        [
            debit(accounts.ACCOUNTS_RECEIVABLE, amount),
            credit(accounts.BAD_DEBT, amount),
        ],
    )


def _invoice_draft(invoice: Invoice, move: str, description: str, postings: list[Posting]) -> EntryDraft:
    return EntryDraft.of(
        f"invoice:{invoice.name}:{move}", postings, description=description, source_resource=invoice.name
    )


def _credit_signed(account: str, amount: Money) -> Posting:
    """A credit of `amount`, or a debit of its magnitude when it is negative."""
    return credit(account, amount) if amount.amount_minor >= 0 else debit(account, -amount)
