"""The gRPC adapters of the payments service: proto in, domain calls, proto out. Validation,
tenancy, idempotency and error mapping already happened in the runtime's interceptors."""

from __future__ import annotations

import datetime

import grpc

from commerce.payments.v1 import (
    card_pb2,
    payment_intent_pb2,
    payment_service_pb2 as ps,
    payment_service_pb2_grpc,
    refund_pb2,
    vault_service_pb2 as vs,
    vault_service_pb2_grpc,
)
from mesh import context as request_context
from mesh.errors import DomainError, common
from mesh.idempotency import atomic_phase
from mesh.money import Money
from mesh.pagination import issue_token, position_of
from services.payments import store
from services.payments.app import PaymentsApp, intent_name, state_to_proto
from services.payments.domain.intent import PaymentIntent
from services.payments.domain.states import CaptureMethod, IntentState

DEFAULT_PAGE_SIZE = 50


class PaymentApi(payment_service_pb2_grpc.PaymentServiceServicer):
    def __init__(self, app: PaymentsApp) -> None:
        self._app = app

    async def CreatePaymentIntent(self, request, context):
        method = CaptureMethod.AUTOMATIC if request.capture_method == payment_intent_pb2.CAPTURE_METHOD_AUTOMATIC \
            else CaptureMethod.MANUAL
        intent = await self._app.create(_tenant(), request.request_id, Money.from_proto(request.amount),
                                        capture_method=method, payment_method=request.payment_method,
                                        order=request.order, description=request.description)
        return ps.CreatePaymentIntentResponse(payment_intent=to_proto(intent))

    async def GetPaymentIntent(self, request, context):
        return ps.GetPaymentIntentResponse(payment_intent=to_proto(await self._app.get(_tenant(), _id(request.name))))

    async def ListPaymentIntents(self, request, context):
        size = request.page_size or DEFAULT_PAGE_SIZE
        offset = position_of(request.page_token, request.parent, request.state)
        state = None if request.state == 0 else IntentState[payment_intent_pb2.PaymentIntentState.Name(request.state)
                                                              .removeprefix("PAYMENT_INTENT_STATE_")]
        async with self._app.db.read() as conn:
            intents = await store.page(conn, _tenant(), state=state, offset=offset, limit=size + 1)
        token = issue_token(offset + size, request.parent, request.state) if len(intents) > size else ""
        return ps.ListPaymentIntentsResponse(payment_intents=[to_proto(i) for i in intents[:size]], next_page_token=token)

    async def AuthorizePaymentIntent(self, request, context):
        intent = await self._app.authorize(_tenant(), _id(request.name), request.payment_method)
        return ps.AuthorizePaymentIntentResponse(payment_intent=to_proto(intent))

    async def CapturePaymentIntent(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        intent = await self._app.capture(_tenant(), _id(request.name), amount, request.request_id)
        return ps.CapturePaymentIntentResponse(payment_intent=to_proto(intent))

    async def CancelPaymentIntent(self, request, context):
        intent = await self._app.cancel(_tenant(), _id(request.name), request.reason)
        return ps.CancelPaymentIntentResponse(payment_intent=to_proto(intent))

    async def RefundPayment(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        reason = refund_pb2.RefundReason.Name(request.reason)
        intent, refund_id, returned, result = await self._app.refund(_tenant(), _id(request.parent), request.request_id,
                                                                     amount, reason)
        refund = refund_pb2.Refund(name=f"{intent_name(intent)}/refunds/{refund_id}",
                                   amount=returned.to_proto(), reason=request.reason,
                                   state=refund_pb2.REFUND_STATE_SUCCEEDED, psp_reference=result.psp_reference or "")
        return ps.RefundPaymentResponse(refund=refund, payment_intent=to_proto(intent))

    async def GetRefund(self, request, context):
        parts = request.name.split("/")
        async with self._app.db.read() as conn:
            row = await store.load_refund(conn, _tenant(), parts[3], parts[5])
        if row is None:
            raise DomainError(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND, "no such refund")
        return ps.GetRefundResponse(refund=refund_pb2.Refund(
            name=request.name, amount=Money(row.currency_code, row.amount_minor).to_proto(),
            reason=refund_pb2.RefundReason.Value(row.reason), state=refund_pb2.REFUND_STATE_SUCCEEDED,
            psp_reference=row.psp_reference))


class VaultApi(vault_service_pb2_grpc.VaultServiceServicer):
    def __init__(self, app: PaymentsApp) -> None:
        self._app = app

    async def TokenizeCard(self, request, context):
        async with atomic_phase(self._app.db, "tokenized") as conn:
            card = await self._app.vault.tokenize(
                conn, _tenant(), request.request_id, request.card_number, request.exp_month, request.exp_year,
                request.cvc, request.cardholder_name, datetime.datetime.now(datetime.UTC).date())
        return vs.TokenizeCardResponse(token=card.token, card=card_pb2.Card(
            brand=card_pb2.CardBrand.Value(f"CARD_BRAND_{card.brand.name}"),
            last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year, fingerprint=card.fingerprint))


def to_proto(intent: PaymentIntent) -> payment_intent_pb2.PaymentIntent:
    message = payment_intent_pb2.PaymentIntent(
        name=intent_name(intent), amount=intent.amount.to_proto(), amount_captured=intent.amount_captured.to_proto(),
        amount_refunded=intent.amount_refunded.to_proto(),
        state=state_to_proto(intent.state),
        capture_method=payment_intent_pb2.CaptureMethod.Value(f"CAPTURE_METHOD_{intent.capture_method.name}"),
        payment_method=intent.payment_method, order=intent.order, description=intent.description, psp=intent.psp,
        psp_reference=intent.psp_reference, decline_code=intent.decline_code)
    if intent.fee is not None:
        message.fee.CopyFrom(intent.fee.to_proto())
    message.create_time.FromDatetime(intent.created)
    message.update_time.FromDatetime(intent.updated)
    return message


def _tenant() -> str:
    return request_context.current().tenant


def _id(name: str) -> str:
    return name.split("/")[3]
