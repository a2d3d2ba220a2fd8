"""Capture, refund and cancel: amounts, fees, limits and the events each emits."""

from __future__ import annotations

import pytest

from mesh.errors import Code, DomainError, common
from mesh.money import CurrencyMismatch, Money
from services.payments.domain import (
    AMOUNT_EXCEEDS_CAPTURABLE,
    AMOUNT_EXCEEDS_REFUNDABLE,
    AmountExceedsCapturable,
    AmountExceedsRefundable,
    IntentState,
    IntentStateInvalid,
    PaymentCanceled,
    PaymentCaptured,
    PaymentRefunded,
)
from tests.unit.payments.domain.paths import LATER, eur, intent_in


def _authorized():
    return intent_in(IntentState.REQUIRES_CAPTURE)


def _fully_captured():
    return _authorized().capture(now=LATER).intent


def test_full_capture_takes_everything_and_succeeds() -> None:
    intent, events = _authorized().capture(fee=eur(320), now=LATER)

    assert intent.state is IntentState.SUCCEEDED
    assert intent.amount_captured == eur(10_000)
    assert intent.capturable == eur(0)
    assert intent.fee == eur(320)
    assert events == (PaymentCaptured(eur(10_000), eur(10_000), eur(320)),)


def test_partial_capture_leaves_the_rest_capturable() -> None:
    intent, events = _authorized().capture(eur(4_000), now=LATER)

    assert intent.state is IntentState.SUCCEEDED
    assert intent.amount_captured == eur(4_000)
    assert intent.capturable == eur(6_000)
    assert intent.fee is None
    assert events == (PaymentCaptured(eur(4_000), eur(4_000), None),)


def test_second_capture_reports_the_running_total_and_adds_fees() -> None:
    first = _authorized().capture(eur(4_000), eur(100), now=LATER).intent

    intent, events = first.capture(fee=eur(150), now=LATER)

    assert intent.amount_captured == eur(10_000)
    assert intent.fee == eur(250)
    assert intent.version == first.version + 1
    assert events == (PaymentCaptured(eur(6_000), eur(10_000), eur(150)),)


def test_capture_without_a_fee_keeps_the_fee_already_known() -> None:
    first = _authorized().capture(eur(4_000), eur(100), now=LATER).intent

    assert first.capture(eur(1_000), now=LATER).intent.fee == eur(100)


@pytest.mark.parametrize(("captured", "requested"), [(0, 10_001), (4_000, 6_001), (10_000, 1)])
def test_capture_above_what_is_left_fails_with_amount_exceeds_capturable(captured: int, requested: int) -> None:
    intent = _authorized() if captured == 0 else _authorized().capture(eur(captured), now=LATER).intent

    with pytest.raises(AmountExceedsCapturable) as caught:
        intent.capture(eur(requested), now=LATER)

    assert caught.value.code is Code.FAILED_PRECONDITION
    assert caught.value.reason == AMOUNT_EXCEEDS_CAPTURABLE
    assert caught.value.metadata == {
        "currency": "EUR",
        "capturable_minor": str(10_000 - captured),
        "requested_minor": str(requested),
    }


def test_capture_of_the_rest_fails_when_nothing_is_left() -> None:
    with pytest.raises(AmountExceedsCapturable, match="nothing is left to capture"):
        _fully_captured().capture(now=LATER)


@pytest.mark.parametrize("amount_minor", [0, -5])
@pytest.mark.parametrize("operation", ["capture", "refund"])
def test_non_positive_amount_is_invalid_argument(operation: str, amount_minor: int) -> None:
    intent = intent_in(IntentState.SUCCEEDED)

    with pytest.raises(DomainError) as caught:
        getattr(intent, operation)(eur(amount_minor), now=LATER)

    assert caught.value.code is Code.INVALID_ARGUMENT
    assert caught.value.reason == common.VALIDATION_FAILED
    assert [violation.field for violation in caught.value.violations] == ["amount"]


@pytest.mark.parametrize("operation", ["capture", "refund"])
def test_amount_in_another_currency_is_a_currency_mismatch(operation: str) -> None:
    intent = intent_in(IntentState.SUCCEEDED)

    with pytest.raises(CurrencyMismatch) as caught:
        getattr(intent, operation)(Money("USD", 100), now=LATER)

    assert caught.value.code is Code.INVALID_ARGUMENT
    assert caught.value.metadata == {"left_currency": "EUR", "right_currency": "USD"}


def test_fee_in_another_currency_is_a_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        _authorized().capture(fee=Money("USD", 30), now=LATER)


def test_negative_fee_is_refused() -> None:
    with pytest.raises(ValueError, match="fee cannot be negative"):
        _authorized().capture(fee=eur(-1), now=LATER)


def test_bad_arguments_are_reported_before_the_state() -> None:
    with pytest.raises(CurrencyMismatch):
        intent_in(IntentState.CANCELED).capture(Money("USD", 100), now=LATER)


def test_partial_refund_leaves_the_rest_refundable() -> None:
    intent, events = _fully_captured().refund(eur(2_500), now=LATER)

    assert intent.state is IntentState.SUCCEEDED
    assert intent.amount_refunded == eur(2_500)
    assert intent.refundable == eur(7_500)
    assert events == (PaymentRefunded(eur(2_500), eur(2_500)),)


def test_full_refund_keeps_the_intent_succeeded_with_everything_refunded() -> None:
    partly = _fully_captured().refund(eur(2_500), now=LATER).intent

    intent, events = partly.refund(now=LATER)

    assert intent.state is IntentState.SUCCEEDED
    assert intent.amount_refunded == intent.amount_captured == eur(10_000)
    assert events == (PaymentRefunded(eur(7_500), eur(10_000)),)


def test_refund_is_bounded_by_what_was_captured_not_by_the_amount() -> None:
    half_captured = intent_in(IntentState.SUCCEEDED)

    with pytest.raises(AmountExceedsRefundable) as caught:
        half_captured.refund(eur(5_001), now=LATER)

    assert caught.value.code is Code.FAILED_PRECONDITION
    assert caught.value.reason == AMOUNT_EXCEEDS_REFUNDABLE
    assert caught.value.metadata["refundable_minor"] == "5000"


def test_refund_of_the_rest_fails_when_everything_is_refunded() -> None:
    refunded = _fully_captured().refund(now=LATER).intent

    with pytest.raises(AmountExceedsRefundable, match="nothing is left to refund"):
        refunded.refund(now=LATER)


def test_capture_and_refund_amounts_can_be_checked_before_calling_the_psp() -> None:
    intent = intent_in(IntentState.SUCCEEDED)

    assert intent.capture_amount(None) == eur(5_000)
    assert intent.refund_amount(eur(300)) == eur(300)
    with pytest.raises(IntentStateInvalid):
        intent_in(IntentState.PROCESSING).capture_amount(None)


@pytest.mark.parametrize(
    "state",
    [
        IntentState.REQUIRES_PAYMENT_METHOD,
        IntentState.REQUIRES_CONFIRMATION,
        IntentState.REQUIRES_ACTION,
        IntentState.REQUIRES_CAPTURE,
    ],
)
def test_cancel_voids_the_intent_keeps_the_reason_and_emits_payment_canceled(state: IntentState) -> None:
    intent, events = intent_in(state).cancel("customer changed their mind", now=LATER)

    assert intent.state is IntentState.CANCELED
    assert intent.cancellation_reason == "customer changed their mind"
    assert events == (PaymentCanceled(eur(10_000), "customer changed their mind"),)


def test_no_capture_after_cancel() -> None:
    canceled = _authorized().cancel(now=LATER).intent

    with pytest.raises(IntentStateInvalid):
        canceled.capture(now=LATER)
    assert canceled.capturable == eur(0)
