"""The payment events the ledger books, as invoicing reads them: commerce.payments.v1's events with
the envelope's id and type, decoded by payment_event_messages.

The amounts are well-formed Money (a malformed one never gets this far); whether they make a
bookable event (positive, a fee within the amount, a valid PSP) is postings' to judge.
"""

from __future__ import annotations

import dataclasses

from mesh.money import Money

__all__ = ["PaymentAuthorized", "PaymentCanceled", "PaymentCaptured", "PaymentEvent", "PaymentRefunded"]


@dataclasses.dataclass(frozen=True)
class PaymentAuthorized:
    event_id: str
    event_type: str
    payment_intent: str
    amount: Money
    psp: str


@dataclasses.dataclass(frozen=True)
class PaymentCaptured:
    """One capture of `amount`; `fee` is None when the PSP named none."""

    event_id: str
    event_type: str
    payment_intent: str
    amount: Money
    fee: Money | None
    psp: str
    psp_reference: str


@dataclasses.dataclass(frozen=True)
class PaymentCanceled:
    """The authorization was voided; no `psp` (and no amount read) when nothing was ever held."""

    event_id: str
    event_type: str
    payment_intent: str
    amount: Money | None
    psp: str


@dataclasses.dataclass(frozen=True)
class PaymentRefunded:
    """`refund` is the refund's name, "" when the event named none."""

    event_id: str
    event_type: str
    payment_intent: str
    refund: str
    amount: Money
    psp: str
    psp_reference: str


PaymentEvent = PaymentAuthorized | PaymentCaptured | PaymentCanceled | PaymentRefunded
