"""Creating an intent, and the invariants every intent keeps whoever builds it."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from mesh.errors import Code, DomainError, common
from mesh.money import Money
from services.payments.domain import CaptureMethod, IntentState, PaymentIntent
from tests.unit.payments.domain.paths import START, TOKEN, eur, intent_in, new_intent

PAN = "4111111111111111"


def test_create_without_token_requires_payment_method() -> None:
    intent = new_intent(token="")

    assert intent.state is IntentState.REQUIRES_PAYMENT_METHOD
    assert intent.payment_method == ""


def test_create_with_token_requires_confirmation() -> None:
    intent = new_intent(token=TOKEN)

    assert intent.state is IntentState.REQUIRES_CONFIRMATION
    assert intent.payment_method == TOKEN


def test_create_starts_at_version_one_with_nothing_captured_or_refunded() -> None:
    intent = new_intent(amount_minor=2_500, capture_method=CaptureMethod.AUTOMATIC)

    assert intent.version == 1
    assert intent.amount == eur(2_500)
    assert intent.amount_captured == eur(0) and intent.amount_refunded == eur(0)
    assert intent.capture_method is CaptureMethod.AUTOMATIC
    assert intent.fee is None
    assert intent.created == intent.updated == START
    assert (intent.psp, intent.psp_reference, intent.decline_code, intent.cancellation_reason) == ("", "", "", "")


def test_name_is_the_resource_name() -> None:
    assert new_intent().name == "tenants/acme/paymentIntents/pi_test"


@pytest.mark.parametrize("amount_minor", [0, -1, -10_000])
def test_create_refuses_non_positive_amount_as_invalid_argument(amount_minor: int) -> None:
    with pytest.raises(DomainError) as caught:
        new_intent(amount_minor=amount_minor)

    assert caught.value.code is Code.INVALID_ARGUMENT
    assert caught.value.reason == common.VALIDATION_FAILED
    assert [violation.field for violation in caught.value.violations] == ["amount"]


@pytest.mark.parametrize("token", [PAN, "tok_short", "card_12345678", "tok_has space1234"])
def test_create_refuses_a_payment_method_that_is_not_a_vault_token(token: str) -> None:
    with pytest.raises(DomainError) as caught:
        new_intent(token=token)

    assert caught.value.code is Code.INVALID_ARGUMENT
    assert [violation.field for violation in caught.value.violations] == ["payment_method"]
    assert token not in str(caught.value)


def test_attach_refuses_a_card_number_without_repeating_it() -> None:
    intent = new_intent(token="")

    with pytest.raises(DomainError) as caught:
        intent.attach_payment_method(PAN, now=START)

    assert caught.value.code is Code.INVALID_ARGUMENT
    assert PAN not in str(caught.value) and PAN not in repr(caught.value.violations)


def test_intent_is_immutable() -> None:
    intent = new_intent()

    with pytest.raises(dataclasses.FrozenInstanceError):
        intent.state = IntentState.SUCCEEDED  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_captured": eur(20_000)},
        {"amount_refunded": eur(1)},
        {"amount_captured": Money("USD", 0)},
        {"fee": Money("USD", 1)},
        {"fee": eur(-1)},
        {"version": 0},
        {"id": ""},
        {"updated": datetime.datetime(2030, 1, 1)},
        {"payment_method": PAN},
        {"payment_method": ""},
        {"state": IntentState.SUCCEEDED},
    ],
    ids=lambda changes: next(iter(changes)) + "=" + repr(next(iter(changes.values()))).replace(PAN, "<pan>"),
)
def test_an_intent_breaking_an_invariant_cannot_be_built(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError) as caught:
        dataclasses.replace(new_intent(), **changes)

    assert PAN not in str(caught.value)


def test_refunded_and_captured_intent_can_be_rebuilt_from_its_fields() -> None:
    stored = intent_in(IntentState.SUCCEEDED).refund(eur(1_000), now=START).intent

    rebuilt = PaymentIntent(**{field.name: getattr(stored, field.name) for field in dataclasses.fields(stored)})

    assert rebuilt == stored
