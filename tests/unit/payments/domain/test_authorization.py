"""Authorization: what each PSP answer does to an intent and which events it emits."""

from __future__ import annotations

import pytest
from google.rpc.error_details_pb2 import ErrorInfo

from mesh.errors import Code
from services.payments.domain import (
    CARD_DECLINED,
    ActionRequired,
    Authorized,
    CaptureMethod,
    CardDeclined,
    Declined,
    IntentState,
    NotReceived,
    PaymentAuthorized,
    PaymentFailed,
    VerificationRequired,
)
from tests.unit.payments.domain.paths import LATER, OTHER_TOKEN, PSP, PSP_REFERENCE, START, eur, intent_in, new_intent


def test_attach_payment_method_makes_intent_ready_for_confirmation() -> None:
    intent, events = new_intent(token="").attach_payment_method(OTHER_TOKEN, now=LATER)

    assert intent.state is IntentState.REQUIRES_CONFIRMATION
    assert intent.payment_method == OTHER_TOKEN
    assert events == ()


def test_attach_after_a_challenge_forgets_the_psp_that_asked() -> None:
    intent, _ = intent_in(IntentState.REQUIRES_ACTION).attach_payment_method(OTHER_TOKEN, now=LATER)

    assert intent.state is IntentState.REQUIRES_CONFIRMATION
    assert (intent.psp, intent.psp_reference) == ("", "")


def test_begin_authorization_moves_to_processing_without_events() -> None:
    intent, events = new_intent().begin_authorization(now=LATER)

    assert intent.state is IntentState.PROCESSING
    assert events == ()


def test_begin_authorization_after_a_challenge_keeps_the_psp() -> None:
    intent, _ = intent_in(IntentState.REQUIRES_ACTION).begin_authorization(now=LATER)

    assert intent.state is IntentState.PROCESSING
    assert intent.psp == PSP


def test_approval_holds_the_funds_and_emits_payment_authorized() -> None:
    intent, events = intent_in(IntentState.PROCESSING).authorization_approved("sandbox-beta", "ref_9", now=LATER)

    assert intent.state is IntentState.REQUIRES_CAPTURE
    assert (intent.psp, intent.psp_reference) == ("sandbox-beta", "ref_9")
    assert intent.capturable == intent.amount
    assert events == (PaymentAuthorized(eur(10_000), "sandbox-beta", "ref_9"),)


def test_automatic_capture_is_left_to_the_caller_after_approval() -> None:
    processing = new_intent(capture_method=CaptureMethod.AUTOMATIC).begin_authorization(now=START).intent

    authorized, _ = processing.authorization_approved(PSP, PSP_REFERENCE, now=LATER)
    captured, _ = authorized.capture(now=LATER)

    assert authorized.state is IntentState.REQUIRES_CAPTURE
    assert captured.state is IntentState.SUCCEEDED and captured.amount_captured == captured.amount


@pytest.mark.parametrize("hard", [True, False])
def test_decline_fails_the_intent_and_emits_payment_failed(hard: bool) -> None:
    intent, events = intent_in(IntentState.PROCESSING).authorization_declined("stolen_card", hard, now=LATER)

    assert intent.state is IntentState.FAILED
    assert intent.decline_code == "stolen_card"
    assert events == (PaymentFailed(eur(10_000), "stolen_card", hard),)


def test_requires_action_records_the_psp_without_events() -> None:
    intent, events = intent_in(IntentState.PROCESSING).authorization_requires_action(PSP, "3ds_1", now=LATER)

    assert intent.state is IntentState.REQUIRES_ACTION
    assert (intent.psp, intent.psp_reference) == (PSP, "3ds_1")
    assert events == ()


def test_not_received_returns_to_confirmation() -> None:
    intent, events = intent_in(IntentState.PROCESSING).authorization_not_received(now=LATER)

    assert intent.state is IntentState.REQUIRES_CONFIRMATION
    assert events == ()


def test_unknown_outcome_requires_verification_and_tells_the_janitor() -> None:
    intent, events = intent_in(IntentState.PROCESSING).authorization_outcome_unknown(PSP, "ref_7", now=LATER)

    assert intent.state is IntentState.REQUIRES_VERIFICATION
    assert intent.psp == PSP
    assert events == (VerificationRequired(PSP, "ref_7"),)


@pytest.mark.parametrize(
    ("outcome", "state", "events"),
    [
        (Authorized(PSP, "ref_3"), IntentState.REQUIRES_CAPTURE, (PaymentAuthorized(eur(10_000), PSP, "ref_3"),)),
        (Declined("expired_card", True), IntentState.FAILED, (PaymentFailed(eur(10_000), "expired_card", True),)),
        (ActionRequired(PSP, "3ds_2"), IntentState.REQUIRES_ACTION, ()),
        (NotReceived(), IntentState.REQUIRES_CONFIRMATION, ()),
    ],
    ids=["authorized", "declined", "action-required", "not-received"],
)
def test_verification_resolved_goes_where_the_psp_outcome_leads(outcome, state, events) -> None:
    intent, emitted = intent_in(IntentState.REQUIRES_VERIFICATION).verification_resolved(outcome, now=LATER)

    assert intent.state is state
    assert emitted == events


def test_verification_resolved_refuses_something_that_is_not_an_outcome() -> None:
    unresolved = intent_in(IntentState.REQUIRES_VERIFICATION)

    with pytest.raises(TypeError, match="not an authorization outcome"):
        unresolved.verification_resolved("approved", now=LATER)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Authorized("", "ref"),
        lambda: Authorized(PSP, ""),
        lambda: Declined("", True),
        lambda: ActionRequired(""),
    ],
    ids=["authorized-without-psp", "authorized-without-reference", "declined-without-code", "action-without-psp"],
)
def test_outcome_without_what_the_psp_must_say_is_refused(build) -> None:
    with pytest.raises(ValueError, match="must be a non-empty string"):
        build()


def test_decline_refuses_a_hard_decline_that_is_not_a_bool() -> None:
    processing = intent_in(IntentState.PROCESSING)

    with pytest.raises(TypeError, match="hard_decline must be a bool"):
        processing.authorization_declined("do_not_honor", "yes", now=LATER)  # type: ignore[arg-type]


@pytest.mark.parametrize("hard, flag", [(True, "true"), (False, "false")])
def test_card_declined_names_the_decline_and_keeps_the_failed_intent(hard: bool, flag: str) -> None:
    name = "tenants/acme/paymentIntents/pi_1"

    error = CardDeclined(name, "stolen_card", hard)

    assert error.code is Code.FAILED_PRECONDITION
    assert (CARD_DECLINED.name, CARD_DECLINED.domain) == ("CARD_DECLINED", "commerce.payments.v1")
    assert error.reason == CARD_DECLINED
    assert dict(error.detail(ErrorInfo).metadata) == {
        "decline_code": "stolen_card",
        "hard_decline": flag,
        "payment_intent": name,
    }
    assert error.keep_effects  # the FAILED intent and its PaymentFailed commit with the error
