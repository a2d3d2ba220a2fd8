"""The payments service end to end over gRPC: money moves once, states and events are right."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
import sqlalchemy as sa

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.type.v1 import money_pb2
from mesh.persistence.tables import outbox
from mesh.resilience.rpc_errors import status_error_of
from services.payments.psp.factory import SANDBOX_ALPHA
from tests.integration.payments.service.conftest import PaymentsUnderTest

APPROVE = "4242424242424242"
STOLEN = "4000000000009979"


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=minor)


def reason(err: grpc.aio.AioRpcError) -> str | None:
    return status_error_of(err).reason


async def event_types(p: PaymentsUnderTest) -> list[str]:
    async with p.runtime.database.transaction() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.position))
        return [row.event_type.rsplit(".", 1)[-1] for row in rows]


async def capture(p: PaymentsUnderTest, name: str, amount: int | None = None, request_id: str | None = None):
    request = ps.CapturePaymentIntentRequest(name=name, request_id=request_id or str(uuid.uuid4()))
    if amount is not None:
        request.amount.CopyFrom(eur(amount))
    return (await p.payments.CapturePaymentIntent(request, metadata=p.md())).payment_intent


async def refund(p: PaymentsUnderTest, name: str, amount: int):
    return await p.payments.RefundPayment(ps.RefundPaymentRequest(parent=name, request_id=str(uuid.uuid4()),
                                                                  amount=eur(amount)), metadata=p.md())


async def test_card_to_partial_capture_to_refunds(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    assert intent.state == pi.PAYMENT_INTENT_STATE_REQUIRES_CAPTURE and intent.psp == SANDBOX_ALPHA

    captured = await capture(payments, intent.name, 600)
    first = await refund(payments, intent.name, 200)
    with pytest.raises(grpc.aio.AioRpcError) as too_much:
        await refund(payments, intent.name, 401)

    assert captured.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED and captured.amount_captured.amount_minor == 600
    assert captured.fee.amount_minor == 600 * 290 // 10000 + 30 + (1 if 600 * 290 % 10000 >= 5000 else 0)
    assert first.refund.amount.amount_minor == 200 and first.payment_intent.amount_refunded.amount_minor == 200
    assert too_much.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(too_much.value) == "AMOUNT_EXCEEDS_REFUNDABLE"
    assert await event_types(payments) == ["PaymentAuthorized", "PaymentCaptured", "PaymentRefunded"]


async def test_hard_decline_fails_the_intent_and_publishes_payment_failed(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(STOLEN)

    assert intent.state == pi.PAYMENT_INTENT_STATE_FAILED and intent.decline_code == "stolen_card"
    assert await event_types(payments) == ["PaymentFailed"]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await capture(payments, intent.name)
    assert reason(raised.value) == "PAYMENT_INTENT_STATE_INVALID"


async def test_two_concurrent_captures_capture_once(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)

    results = await asyncio.gather(capture(payments, intent.name), capture(payments, intent.name),
                                   return_exceptions=True)

    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(succeeded) == 1 and len(refused) == 1
    assert reason(refused[0]) in ("AMOUNT_EXCEEDS_CAPTURABLE", "PAYMENT_INTENT_STATE_INVALID")
    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert at_psp.captured.amount_minor == 1000
    assert (await event_types(payments)).count("PaymentCaptured") == 1


async def test_capture_that_times_out_then_succeeds_leaves_exactly_one_capture(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    payments.psps[SANDBOX_ALPHA].lose_captures = 3  # every same-key retry inside the call loses its answer
    request_id = str(uuid.uuid4())

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await capture(payments, intent.name, request_id=request_id)
    retried = await capture(payments, intent.name, request_id=request_id)  # the client retries, same request_id

    assert unknown.value.code() == grpc.StatusCode.UNAVAILABLE and reason(unknown.value) == "OUTCOME_UNKNOWN"
    assert retried.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED and retried.amount_captured.amount_minor == 1000
    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert at_psp.captured.amount_minor == 1000  # one capture, not two
    assert (await event_types(payments)).count("PaymentCaptured") == 1


async def test_unknown_authorization_waits_for_the_janitor_then_captures_once(payments: PaymentsUnderTest) -> None:
    payments.psps[SANDBOX_ALPHA].lose_authorizations = 3
    intent = await payments.authorized_intent(APPROVE, 1000)
    assert intent.state == pi.PAYMENT_INTENT_STATE_REQUIRES_VERIFICATION

    with pytest.raises(grpc.aio.AioRpcError) as blocked:
        await capture(payments, intent.name)
    resolved = await payments.janitor.run_once()
    captured = await capture(payments, intent.name)

    assert reason(blocked.value) == "PAYMENT_INTENT_STATE_INVALID"
    assert resolved == 1 and captured.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED
    assert len(payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)) == 1  # one authorization at the PSP
    assert payments.psps["sandbox-beta"].psp.payments_for(intent.name) == ()  # never routed on


async def test_events_of_an_intent_carry_its_subject_and_increasing_sequence(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    await capture(payments, intent.name)

    async with payments.runtime.database.transaction() as conn:
        rows = list(await conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.position)))
    envelopes = [envelope_pb2.EventEnvelope.FromString(row.payload) for row in rows]

    assert {e.subject for e in envelopes} == {intent.name}
    assert [e.sequence for e in envelopes] == sorted(e.sequence for e in envelopes)
    assert all(e.tenant == payments.tenant for e in envelopes)
