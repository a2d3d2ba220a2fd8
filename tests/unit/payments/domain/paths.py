"""Payment intents for tests: built along legal paths of the state machine, plus one valid call per operation."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from mesh.money import Money
from services.payments.domain import (
    Authorized,
    CaptureMethod,
    IntentState,
    Operation,
    PaymentIntent,
    Transition,
)

CURRENCY = "EUR"
TOKEN = "tok_test_4242abcd"
OTHER_TOKEN = "tok_test_5555efgh"
PSP = "sandbox-alpha"
PSP_REFERENCE = "psp_ref_001"
START = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC)
LATER = START + datetime.timedelta(minutes=5)


def eur(amount_minor: int) -> Money:
    return Money(CURRENCY, amount_minor)


def new_intent(
    *,
    amount_minor: int = 10_000,
    token: str = TOKEN,
    capture_method: CaptureMethod = CaptureMethod.MANUAL,
) -> PaymentIntent:
    return PaymentIntent.create(
        id="pi_test",
        tenant="acme",
        amount=eur(amount_minor),
        now=START,
        capture_method=capture_method,
        payment_method=token,
        order="tenants/acme/orders/ord_1",
        description="two mugs",
    )


def _processing() -> PaymentIntent:
    return new_intent().begin_authorization(now=START).intent


def _authorized() -> PaymentIntent:
    return _processing().authorization_approved(PSP, PSP_REFERENCE, now=START).intent


# Each state reached the way production reaches it. SUCCEEDED is half captured, so both a
# further capture and a refund are possible from it.
_BUILDERS: dict[IntentState, Callable[[], PaymentIntent]] = {
    IntentState.REQUIRES_PAYMENT_METHOD: lambda: new_intent(token=""),
    IntentState.REQUIRES_CONFIRMATION: new_intent,
    IntentState.REQUIRES_ACTION: lambda: _processing().authorization_requires_action(PSP, now=START).intent,
    IntentState.PROCESSING: _processing,
    IntentState.REQUIRES_VERIFICATION: lambda: _processing().authorization_outcome_unknown(PSP, now=START).intent,
    IntentState.REQUIRES_CAPTURE: _authorized,
    IntentState.SUCCEEDED: lambda: _authorized().capture(eur(5_000), now=START).intent,
    IntentState.CANCELED: lambda: new_intent().cancel("customer left", now=START).intent,
    IntentState.FAILED: lambda: _processing().authorization_declined("insufficient_funds", False, now=START).intent,
}


def intent_in(state: IntentState) -> PaymentIntent:
    intent = _BUILDERS[state]()
    assert intent.state is state
    return intent


# One call with valid arguments per operation, so only the state decides whether it is allowed.
VALID_CALLS: dict[Operation, Callable[[PaymentIntent, datetime.datetime], Transition]] = {
    Operation.ATTACH_PAYMENT_METHOD: lambda intent, now: intent.attach_payment_method(OTHER_TOKEN, now=now),
    Operation.BEGIN_AUTHORIZATION: lambda intent, now: intent.begin_authorization(now=now),
    Operation.AUTHORIZATION_APPROVED: lambda intent, now: intent.authorization_approved(PSP, PSP_REFERENCE, now=now),
    Operation.AUTHORIZATION_DECLINED: lambda intent, now: intent.authorization_declined("do_not_honor", True, now=now),
    Operation.AUTHORIZATION_REQUIRES_ACTION: lambda intent, now: intent.authorization_requires_action(PSP, now=now),
    Operation.AUTHORIZATION_NOT_RECEIVED: lambda intent, now: intent.authorization_not_received(now=now),
    Operation.AUTHORIZATION_OUTCOME_UNKNOWN: lambda intent, now: intent.authorization_outcome_unknown(PSP, now=now),
    Operation.VERIFICATION_RESOLVED: lambda intent, now: intent.verification_resolved(
        Authorized(PSP, PSP_REFERENCE), now=now
    ),
    Operation.CAPTURE: lambda intent, now: intent.capture(eur(1), now=now),
    Operation.CANCEL: lambda intent, now: intent.cancel("order canceled", now=now),
    Operation.REFUND: lambda intent, now: intent.refund(eur(1), now=now),
}
