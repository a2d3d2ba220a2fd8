"""The public events of a payment intent's transitions, as the contract's messages."""

from __future__ import annotations

from typing import cast

from commerce.payments.v1 import events_pb2, payment_intent_pb2
from mesh.money import Money
from services.payments.domain import events as domain_events
from services.payments.domain.intent import PaymentIntent
from services.payments.domain.states import IntentState


def intent_name(intent: PaymentIntent) -> str:
    return f"tenants/{intent.tenant}/paymentIntents/{intent.id}"


def state_to_proto(state: IntentState) -> payment_intent_pb2.PaymentIntentState:
    """The PaymentIntentState value of a domain state."""
    return _STATES[state]


# Looked up once, not by name on every message. protoc's .pyi types an enum's Value() as a plain
# int, not as the enum it looks up.
_STATES = {
    state: cast(
        payment_intent_pb2.PaymentIntentState,
        payment_intent_pb2.PaymentIntentState.Value(state.proto_name),
    )
    for state in IntentState
}


def state_changed(intent: PaymentIntent, before: PaymentIntent | None) -> events_pb2.PaymentIntentStateChanged:
    return events_pb2.PaymentIntentStateChanged(
        payment_intent=intent_name(intent),
        order=intent.order,
        version=intent.version,
        from_state=state_to_proto(before.state) if before else payment_intent_pb2.PAYMENT_INTENT_STATE_UNSPECIFIED,
        to_state=state_to_proto(intent.state),
    )


def public_event(
    intent: PaymentIntent, event, *, refund: str, refund_reference: str, capture_reference: str, voided_psp: str
):
    name, order = intent_name(intent), intent.order
    match event:
        case domain_events.PaymentAuthorized():
            return events_pb2.PaymentAuthorized(
                payment_intent=name,
                order=order,
                amount=event.amount.to_proto(),
                psp=event.psp,
                psp_reference=event.psp_reference,
            )
        case domain_events.PaymentCaptured():
            fee = event.fee or Money.zero(event.amount.currency_code)
            return events_pb2.PaymentCaptured(
                payment_intent=name,
                order=order,
                amount=event.amount.to_proto(),
                amount_captured_total=event.total.to_proto(),
                fee=fee.to_proto(),
                psp=intent.psp,
                psp_reference=capture_reference or intent.psp_reference,
            )
        case domain_events.PaymentFailed():
            return events_pb2.PaymentFailed(
                payment_intent=name,
                order=order,
                amount=event.amount.to_proto(),
                decline_code=event.decline_code,
                hard_decline=event.hard_decline,
            )
        case domain_events.PaymentCanceled():
            return events_pb2.PaymentCanceled(
                payment_intent=name, order=order, amount=event.amount.to_proto(), reason=event.reason, psp=voided_psp
            )
        case domain_events.PaymentRefunded():
            return events_pb2.PaymentRefunded(
                payment_intent=name,
                refund=f"{name}/refunds/{refund}",
                order=order,
                amount=event.amount.to_proto(),
                amount_refunded_total=event.total.to_proto(),
                psp=intent.psp,
                psp_reference=refund_reference,
            )
    return None  # VerificationRequired stays inside the service
