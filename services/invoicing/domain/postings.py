"""The ledger postings of the payment events (the chart's rules, commerce.invoicing.v1.AccountType).

- PaymentAuthorized: a hold, on the memo pair: debit authorization-holds-{psp}, credit
  authorization-holds-offset, the authorized amount. No money moved yet.
- PaymentCaptured: money at the PSP, net of its fee: debit cash-at-psp-{psp} amount − fee, debit
  psp-fees-{psp} fee, credit accounts-receivable amount; and the captured amount leaves the hold.
- PaymentCanceled: the voided authorization leaves the hold; nothing when nothing was held.
- PaymentRefunded: money back to the customer: debit accounts-receivable, credit cash-at-psp-{psp}.

Each rule is a pure function of the event and its envelope; the entry's key is the event id, so
a redelivered event can only ever book the entry it booked the first time. An event that breaks
the rules (no PSP named, a fee in another currency or above the amount) raises InvalidEvent:
booking a guess would be worse than holding the event for an operator.
"""

from __future__ import annotations

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import events_pb2
from mesh.money import CurrencyMismatch, Money
from services.invoicing.domain import accounts
from services.invoicing.domain.entries import EntryDraft, credit, debit

__all__ = ["InvalidEvent", "payment_authorized", "payment_canceled", "payment_captured", "payment_refunded"]


class InvalidEvent(Exception):
    """The event cannot be booked as it is; the message says why (never with card data)."""


def payment_authorized(event: events_pb2.PaymentAuthorized, envelope: envelope_pb2.EventEnvelope) -> EntryDraft:
    amount, psp = _money(event.amount), _psp(event.psp)
    return _draft(envelope, event.payment_intent, f"Authorization of {_show(amount)} held at {psp}", [
        debit(accounts.authorization_holds(psp), amount),
        credit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
    ])


def payment_captured(event: events_pb2.PaymentCaptured, envelope: envelope_pb2.EventEnvelope) -> EntryDraft:
    amount, psp = _money(event.amount), _psp(event.psp)
    fee = _money(event.fee, positive=False) if event.HasField("fee") else Money.zero(amount.currency_code)
    try:
        net = amount - fee
    except CurrencyMismatch as err:
        raise InvalidEvent(f"fee in {fee.currency_code} on a capture in {amount.currency_code}") from err
    if fee.amount_minor < 0 or net.amount_minor < 0:
        raise InvalidEvent(f"fee {_show(fee)} is outside 0..{_show(amount)}")
    description = f"Capture of {_show(amount)} at {psp} (fee {_show(fee)}, reference {event.psp_reference})"
    return _draft(envelope, event.payment_intent, description, [
        debit(accounts.cash_at_psp(psp), net),
        debit(accounts.psp_fees(psp), fee),
        credit(accounts.ACCOUNTS_RECEIVABLE, amount),
        debit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
        credit(accounts.authorization_holds(psp), amount),
    ])


def payment_canceled(event: events_pb2.PaymentCanceled, envelope: envelope_pb2.EventEnvelope) -> EntryDraft | None:
    if not event.psp:
        return None  # canceled before any PSP held funds: nothing to release
    amount, psp = _money(event.amount), _psp(event.psp)
    return _draft(envelope, event.payment_intent, f"Authorization of {_show(amount)} at {psp} voided", [
        debit(accounts.AUTHORIZATION_HOLDS_OFFSET, amount),
        credit(accounts.authorization_holds(psp), amount),
    ])


def payment_refunded(event: events_pb2.PaymentRefunded, envelope: envelope_pb2.EventEnvelope) -> EntryDraft:
    amount, psp = _money(event.amount), _psp(event.psp)
    description = f"Refund of {_show(amount)} at {psp} (reference {event.psp_reference})"
    return _draft(envelope, event.refund or event.payment_intent, description, [
        debit(accounts.ACCOUNTS_RECEIVABLE, amount),
        credit(accounts.cash_at_psp(psp), amount),
    ])


def _draft(envelope: envelope_pb2.EventEnvelope, source: str, description: str, postings) -> EntryDraft:
    return EntryDraft.of(f"event:{envelope.id}", postings, description=description, source_resource=source,
                         source_event_id=envelope.id, source_event_type=envelope.type)


def _money(message, *, positive: bool = True) -> Money:
    try:
        amount = Money.from_proto(message)
    except (TypeError, ValueError) as err:
        raise InvalidEvent(f"malformed amount: {err}") from err
    if positive and amount.amount_minor <= 0:
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
