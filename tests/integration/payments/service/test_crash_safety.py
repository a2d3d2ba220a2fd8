"""The process dies after a PSP executed a call but before the mesh committed it. Whatever
request_id the caller retries with, the PSP must act once: its idempotency key comes from the
intent's committed version, which the crash did not move."""

from __future__ import annotations

import uuid

import grpc
import pytest

from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from services.payments.psp.factory import SANDBOX_ALPHA
from tests.integration.payments.service.conftest import PaymentsUnderTest
from tests.integration.payments.service.test_payments_service import APPROVE, capture, refund


async def died(call) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() is grpc.StatusCode.INTERNAL  # rolled back; the key is free for a retry


async def test_a_capture_lost_to_a_crash_is_not_taken_twice(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    payments.psps[SANDBOX_ALPHA].die_after["capture"] = 1

    await died(capture(payments, intent.name, 600))
    assert (await payments.get(intent.name)).amount_captured.amount_minor == 0  # the mesh never saw it
    retried = await capture(payments, intent.name, 600)  # a new request_id: the caller gave up on the first

    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert (retried.amount_captured.amount_minor, at_psp.captured.amount_minor) == (600, 600)


async def test_a_refund_lost_to_a_crash_is_not_paid_twice(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    await capture(payments, intent.name)
    payments.psps[SANDBOX_ALPHA].die_after["refund"] = 1

    await died(refund(payments, intent.name, 300))
    await refund(payments, intent.name, 300)
    second = await refund(payments, intent.name, 300)  # a genuine second refund still goes through

    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert (second.payment_intent.amount_refunded.amount_minor, at_psp.refunded.amount_minor) == (600, 600)


async def test_an_automatic_payment_lost_to_a_crash_is_not_charged_twice(payments: PaymentsUnderTest) -> None:
    created = await payments.created_intent(APPROVE, 1000, capture_method=pi.CAPTURE_METHOD_AUTOMATIC)
    payments.psps[SANDBOX_ALPHA].die_after["capture"] = 1

    await died(payments.authorize(created.name))
    retried = await payments.authorize(created.name)

    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(created.name)  # one authorization at the PSP
    assert (retried.state, retried.amount_captured.amount_minor) == (pi.PAYMENT_INTENT_STATE_SUCCEEDED, 1000)
    assert at_psp.captured.amount_minor == 1000


async def test_a_retry_with_another_card_is_a_new_authorization(payments: PaymentsUnderTest) -> None:
    created = await payments.created_intent(APPROVE, 1000)
    payments.psps[SANDBOX_ALPHA].die_after["authorize"] = 1
    await died(payments.authorize(created.name))

    other_card = await payments.tokenize("5555555555554444")
    retried = await payments.payments.AuthorizePaymentIntent(
        ps.AuthorizePaymentIntentRequest(name=created.name, request_id=str(uuid.uuid4()), payment_method=other_card),
        metadata=payments.md(),
    )

    # The first card's hold is orphaned at the PSP (it expires there); the intent is on the new card.
    assert retried.payment_intent.payment_method == other_card
    assert len(payments.psps[SANDBOX_ALPHA].psp.payments_for(created.name)) == 2


async def test_a_partial_capture_settled_by_the_janitor_is_not_taken_again_on_retry(
    payments: PaymentsUnderTest,
) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    payments.psps[SANDBOX_ALPHA].die_after["capture"] = 1
    request_id = str(uuid.uuid4())

    await died(capture(payments, intent.name, 300, request_id=request_id))
    assert await payments.janitor.run_once() == 1  # it asks the PSP and records the capture
    retried = await capture(payments, intent.name, 300, request_id=request_id)

    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert (retried.amount_captured.amount_minor, at_psp.captured.amount_minor) == (300, 300)
