"""Domain events a payment intent emits as it moves, one frozen dataclass per fact.

The public ones mirror commerce.payments.v1 events; the API layer adds what the intent itself
says (its name, order, PSP) when it writes them to the outbox. VerificationRequired never
leaves the service: it tells the janitor to ask a PSP what became of an authorization.
"""

from __future__ import annotations

import dataclasses

from mesh.money import Money

__all__ = [
    "Event",
    "PaymentAuthorized",
    "PaymentCanceled",
    "PaymentCaptured",
    "PaymentFailed",
    "PaymentRefunded",
    "PublicEvent",
    "VerificationRequired",
]


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentAuthorized:
    """A PSP holds `amount` for the intent under `psp_reference`."""

    amount: Money
    psp: str
    psp_reference: str


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentCaptured:
    """One capture took `amount`; `total` is everything captured so far; `fee` when the PSP said."""

    amount: Money
    total: Money
    fee: Money | None


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentFailed:
    """The authorization of `amount` was declined; a hard decline is never retried."""

    amount: Money
    decline_code: str
    hard_decline: bool


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentCanceled:
    """The intent was voided before capture; `amount` will not be collected."""

    amount: Money
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentRefunded:
    """One refund returned `amount`; `total` is everything refunded so far."""

    amount: Money
    total: Money


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationRequired:
    """Internal: the outcome at `psp` is unknown ("" when no PSP is known to have been called)."""

    psp: str
    psp_reference: str


PublicEvent = PaymentAuthorized | PaymentCaptured | PaymentFailed | PaymentCanceled | PaymentRefunded
Event = PublicEvent | VerificationRequired
