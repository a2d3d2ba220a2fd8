"""The ways a payment intent refuses an operation, each with its stable payments reason.

A move the state machine does not allow is FAILED_PRECONDITION / PAYMENT_INTENT_STATE_INVALID;
asking for more than is left is FAILED_PRECONDITION / AMOUNT_EXCEEDS_CAPTURABLE or
AMOUNT_EXCEEDS_REFUNDABLE; a malformed argument from the caller is INVALID_ARGUMENT /
VALIDATION_FAILED with a field violation. A declined card is FAILED_PRECONDITION /
CARD_DECLINED, raised after the FAILED intent is saved and kept with it. Amounts in another
currency raise mesh.money's CurrencyMismatch. Messages travel to callers: they name states,
operations, amounts and decline codes only, never card data.

The reasons are values of commerce.payments.v1.ErrorReason, written out so the domain needs no
generated module; tests/unit/test_error_reasons.py holds them to the enum.
"""

from __future__ import annotations

from mesh.errors import Code, DomainError, FieldViolation, Reason, common
from mesh.money import Money
from services.payments.domain.states import IntentState

__all__ = [
    "AMOUNT_EXCEEDS_CAPTURABLE",
    "DOMAIN",
    "AMOUNT_EXCEEDS_REFUNDABLE",
    "CARD_DECLINED",
    "PAYMENT_INTENT_STATE_INVALID",
    "AmountExceedsCapturable",
    "AmountExceedsRefundable",
    "CardDeclined",
    "IntentStateInvalid",
    "invalid_field",
]

DOMAIN = "commerce.payments.v1"
PAYMENT_INTENT_STATE_INVALID = Reason("PAYMENT_INTENT_STATE_INVALID", DOMAIN)
AMOUNT_EXCEEDS_CAPTURABLE = Reason("AMOUNT_EXCEEDS_CAPTURABLE", DOMAIN)
AMOUNT_EXCEEDS_REFUNDABLE = Reason("AMOUNT_EXCEEDS_REFUNDABLE", DOMAIN)
CARD_DECLINED = Reason("CARD_DECLINED", DOMAIN)


class IntentStateInvalid(DomainError):
    """`operation` is not allowed while the intent is in `state`."""

    def __init__(self, operation: str, state: IntentState) -> None:
        super().__init__(
            Code.FAILED_PRECONDITION,
            PAYMENT_INTENT_STATE_INVALID,
            f"{operation} is not allowed for a payment intent in state {state.value}",
            # Callers know states by their proto names, as the intent itself shows them.
            metadata={"state": state.proto_name, "operation": operation},
        )
        self.operation = operation
        self.state = state


class AmountExceedsCapturable(DomainError):
    """A capture asked for more than is authorized and not yet captured (None: everything)."""

    def __init__(self, requested: Money | None, capturable: Money) -> None:
        super().__init__(
            Code.FAILED_PRECONDITION,
            AMOUNT_EXCEEDS_CAPTURABLE,
            _exceeds_message("capture", requested, capturable, "capturable"),
            metadata=_amount_metadata(requested, "capturable", capturable),
        )


class AmountExceedsRefundable(DomainError):
    """A refund asked for more than is captured and not yet refunded (None: everything)."""

    def __init__(self, requested: Money | None, refundable: Money) -> None:
        super().__init__(
            Code.FAILED_PRECONDITION,
            AMOUNT_EXCEEDS_REFUNDABLE,
            _exceeds_message("refund", requested, refundable, "refundable"),
            metadata=_amount_metadata(requested, "refundable", refundable),
        )


class CardDeclined(DomainError):
    """The PSP declined the card for the intent named `payment_intent`, which is saved FAILED.

    keep_effects: the decline is a final outcome, so the FAILED intent and its PaymentFailed event
    commit with this error instead of rolling back, and a replay answers the same error.
    """

    def __init__(self, payment_intent: str, decline_code: str, hard_decline: bool) -> None:
        super().__init__(
            Code.FAILED_PRECONDITION,
            CARD_DECLINED,
            f"the card was declined: {decline_code}",
            metadata={
                "decline_code": decline_code,
                "hard_decline": "true" if hard_decline else "false",
                "payment_intent": payment_intent,
            },
            keep_effects=True,
        )
        self.payment_intent = payment_intent
        self.decline_code = decline_code
        self.hard_decline = hard_decline


def invalid_field(field: str, description: str) -> DomainError:
    """INVALID_ARGUMENT / VALIDATION_FAILED for one field, shaped like the validation layer's."""
    return DomainError(
        Code.INVALID_ARGUMENT,
        common.VALIDATION_FAILED,
        f"{field} {description}",
        violations=[FieldViolation(field, description)],
    )


def _exceeds_message(verb: str, requested: Money | None, left: Money, adjective: str) -> str:
    if requested is None:
        return f"nothing is left to {verb}: {_minor(left)} is {adjective}"
    return f"cannot {verb} {_minor(requested)}: only {_minor(left)} is {adjective}"


def _amount_metadata(requested: Money | None, what: str, left: Money) -> dict[str, str]:
    metadata = {"currency": left.currency_code, f"{what}_minor": str(left.amount_minor)}
    if requested is not None:
        metadata["requested_minor"] = str(requested.amount_minor)
    return metadata


def _minor(amount: Money) -> str:
    return f"{amount.amount_minor} minor units of {amount.currency_code}"
