"""The checks every payment intent passes: its callers' arguments and its own invariants.

Arguments from callers fail as INVALID_ARGUMENT (or CurrencyMismatch); a broken invariant is a
bug or a corrupt stored row and fails as ValueError or TypeError. Neither ever repeats a
payment method's value: whatever was passed instead of a token may be a card number.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from mesh.money import CurrencyMismatch, Money
from services.payments.domain.errors import invalid_field
from services.payments.domain.states import CaptureMethod, IntentState

if TYPE_CHECKING:
    from services.payments.domain.intent import PaymentIntent

__all__ = ["check_invariants", "require_currency", "require_positive", "require_token"]

# The vault's token shape, as the API validates it.
_TOKEN = re.compile(r"tok_[A-Za-z0-9_-]{8,64}")
_WITHOUT_PAYMENT_METHOD = frozenset({IntentState.REQUIRES_PAYMENT_METHOD, IntentState.CANCELED})


def require_positive(field: str, amount: Money) -> None:
    """A caller's amount must be Money above zero."""
    if not isinstance(amount, Money):
        raise TypeError(f"{field} must be a Money, not {type(amount).__name__}")
    if amount.amount_minor <= 0:
        raise invalid_field(field, "must be greater than zero")


def require_currency(expected: Money, other: Money) -> None:
    """`other` must be in the currency of `expected`."""
    if other.currency_code != expected.currency_code:
        raise CurrencyMismatch(expected.currency_code, other.currency_code)


def require_token(token: str) -> None:
    """`token` must look like a vault token; the error never repeats it."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise invalid_field("payment_method", "must be a vault token (tok_…)")


def check_invariants(intent: PaymentIntent) -> None:
    """Raise unless `intent` is one the state machine could have produced."""
    _check_identity(intent)
    _check_amounts(intent)
    _check_state(intent)


def _check_identity(intent: PaymentIntent) -> None:
    if not intent.id or not intent.tenant:
        raise ValueError("a payment intent needs an id and a tenant")
    if intent.version < 1:
        raise ValueError(f"version must be at least 1, not {intent.version}")
    for moment in (intent.created, intent.updated):
        if not isinstance(moment, datetime.datetime) or moment.utcoffset() is None:
            raise ValueError("created and updated must be timezone-aware datetimes")


def _check_amounts(intent: PaymentIntent) -> None:
    amount, captured, refunded = intent.amount, intent.amount_captured, intent.amount_refunded
    others = [captured, refunded] + ([intent.fee] if intent.fee is not None else [])
    if any(other.currency_code != amount.currency_code for other in others):
        raise ValueError("every amount of a payment intent is in the intent's currency")
    if amount.amount_minor <= 0:
        raise ValueError("a payment intent's amount is positive")
    if not 0 <= refunded.amount_minor <= captured.amount_minor <= amount.amount_minor:
        raise ValueError("a payment intent needs 0 <= refunded <= captured <= amount")
    if intent.fee is not None and intent.fee.amount_minor < 0:
        raise ValueError("a payment intent's fee is not negative")


def _check_state(intent: PaymentIntent) -> None:
    if not isinstance(intent.state, IntentState) or not isinstance(intent.capture_method, CaptureMethod):
        raise TypeError("state and capture_method must be IntentState and CaptureMethod")
    if (intent.amount_captured.amount_minor > 0) != (intent.state is IntentState.SUCCEEDED):
        raise ValueError("money is captured exactly when a payment intent has SUCCEEDED")
    if intent.payment_method and not _TOKEN.fullmatch(intent.payment_method):
        raise ValueError("payment_method must be a vault token")
    if not intent.payment_method and intent.state not in _WITHOUT_PAYMENT_METHOD:
        raise ValueError(f"a payment intent in state {intent.state.value} needs a payment method")
