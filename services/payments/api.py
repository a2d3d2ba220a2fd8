"""The gRPC adapters of the payments service: proto in, domain calls, proto out. Validation,
tenancy, idempotency and error mapping already happened in the runtime's interceptors."""

from __future__ import annotations

from typing import cast

from commerce.payments.v1 import (
    card_pb2,
    payment_intent_pb2,
    payment_service_pb2_grpc,
    refund_pb2,
    vault_service_pb2_grpc,
)
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import vault_service_pb2 as vs
from mesh.context import current_tenant
from mesh.money import Money
from mesh.pagination import PageRequest
from mesh.proto_fields import money_fields, timestamp_fields
from mesh.resources import ResourceName
from services.payments.app import PaymentsApp, intent_name, state_to_proto
from services.payments.domain.intent import PaymentIntent
from services.payments.domain.states import CaptureMethod, IntentState

PAYMENT_INTENT = ResourceName("tenants/{tenant}/paymentIntents/{payment_intent}")
REFUND = ResourceName("tenants/{tenant}/paymentIntents/{payment_intent}/refunds/{refund}")
# cast(Enum, Enum.Value(name)) below: protoc's .pyi types an enum's Value() as a plain int, not
# as the enum it looks up, which is what a message's constructor takes.


class PaymentApi(payment_service_pb2_grpc.PaymentServiceServicer):
    def __init__(self, app: PaymentsApp) -> None:
        self._app = app

    async def CreatePaymentIntent(self, request, context):
        method = (
            CaptureMethod.AUTOMATIC
            if request.capture_method == payment_intent_pb2.CAPTURE_METHOD_AUTOMATIC
            else CaptureMethod.MANUAL
        )
        intent = await self._app.create(
            current_tenant(),
            request.request_id,
            Money.from_proto(request.amount),
            capture_method=method,
            payment_method=request.payment_method,
            order=request.order,
            description=request.description,
        )
        return ps.CreatePaymentIntentResponse(payment_intent=to_proto(intent))

    async def GetPaymentIntent(self, request, context):
        intent = await self._app.get(current_tenant(), _intent_id(request.name))
        return ps.GetPaymentIntentResponse(payment_intent=to_proto(intent))

    async def ListPaymentIntents(self, request, context):
        page = PageRequest.of(request.page_size, request.page_token, request.parent, request.state)
        intents = await self._app.list_intents(current_tenant(), _state(request.state), page)
        return ps.ListPaymentIntentsResponse(
            payment_intents=[to_proto(i) for i in intents.items], next_page_token=intents.next_page_token
        )

    async def AuthorizePaymentIntent(self, request, context):
        intent = await self._app.authorize(current_tenant(), _intent_id(request.name), request.payment_method)
        return ps.AuthorizePaymentIntentResponse(payment_intent=to_proto(intent))

    async def CapturePaymentIntent(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        intent = await self._app.capture(current_tenant(), _intent_id(request.name), amount, request.request_id)
        return ps.CapturePaymentIntentResponse(payment_intent=to_proto(intent))

    async def CancelPaymentIntent(self, request, context):
        intent = await self._app.cancel(current_tenant(), _intent_id(request.name), request.reason)
        return ps.CancelPaymentIntentResponse(payment_intent=to_proto(intent))

    async def RefundPayment(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        reason = refund_pb2.RefundReason.Name(request.reason)
        intent, refund_id, returned, result = await self._app.refund(
            current_tenant(), _intent_id(request.parent, field="parent"), request.request_id, amount, reason
        )
        name = REFUND.format(tenant=intent.tenant, payment_intent=intent.id, refund=refund_id)
        refund = refund_pb2.Refund(
            name=name,
            amount=returned.to_proto(),
            reason=request.reason,
            state=refund_pb2.REFUND_STATE_SUCCEEDED,
            psp_reference=result.psp_reference or "",
        )
        return ps.RefundPaymentResponse(refund=refund, payment_intent=to_proto(intent))

    async def GetRefund(self, request, context):
        parts = REFUND.parse(request.name)
        row = await self._app.get_refund(current_tenant(), parts["payment_intent"], parts["refund"])
        return ps.GetRefundResponse(
            refund=refund_pb2.Refund(
                name=request.name,
                amount=Money(row.currency_code, row.amount_minor).to_proto(),
                reason=cast(refund_pb2.RefundReason, refund_pb2.RefundReason.Value(row.reason)),
                state=refund_pb2.REFUND_STATE_SUCCEEDED,
                psp_reference=row.psp_reference,
            )
        )


class VaultApi(vault_service_pb2_grpc.VaultServiceServicer):
    def __init__(self, app: PaymentsApp) -> None:
        self._app = app

    async def TokenizeCard(self, request, context):
        card = await self._app.tokenize_card(
            current_tenant(),
            request.request_id,
            request.card_number,
            request.exp_month,
            request.exp_year,
            request.cvc,
            request.cardholder_name,
        )
        return vs.TokenizeCardResponse(
            token=card.token,
            card=card_pb2.Card(
                brand=cast(card_pb2.CardBrand, card_pb2.CardBrand.Value(f"CARD_BRAND_{card.brand.name}")),
                last4=card.last4,
                exp_month=card.exp_month,
                exp_year=card.exp_year,
                fingerprint=card.fingerprint,
            ),
        )


_CAPTURE_METHODS = {
    method: cast(payment_intent_pb2.CaptureMethod, payment_intent_pb2.CaptureMethod.Value(method.proto_name))
    for method in CaptureMethod
}


def to_proto(intent: PaymentIntent) -> payment_intent_pb2.PaymentIntent:
    # Nested values as field dicts (mesh.proto_fields): the constructor fills them in place.
    return payment_intent_pb2.PaymentIntent(
        name=intent_name(intent),
        amount=money_fields(intent.amount),
        amount_captured=money_fields(intent.amount_captured),
        amount_refunded=money_fields(intent.amount_refunded),
        state=state_to_proto(intent.state),
        capture_method=_CAPTURE_METHODS[intent.capture_method],
        payment_method=intent.payment_method,
        order=intent.order,
        description=intent.description,
        psp=intent.psp,
        psp_reference=intent.psp_reference,
        decline_code=intent.decline_code,
        fee=None if intent.fee is None else money_fields(intent.fee),
        create_time=timestamp_fields(intent.created),
        update_time=timestamp_fields(intent.updated),
    )


def _state(state: int) -> IntentState | None:
    """The domain state of a PaymentIntentState filter (None: unspecified, any state)."""
    if state == payment_intent_pb2.PAYMENT_INTENT_STATE_UNSPECIFIED:
        return None
    return IntentState[payment_intent_pb2.PaymentIntentState.Name(state).removeprefix("PAYMENT_INTENT_STATE_")]


def _intent_id(name: str, *, field: str = "name") -> str:
    return PAYMENT_INTENT.parse(name, field=field)["payment_intent"]
