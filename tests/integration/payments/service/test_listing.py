"""ListPaymentIntents pages by key, newest first: intents created between two pages neither
push rows onto the next page twice nor make it skip any; a token serves only its own query."""

from __future__ import annotations

import datetime
import uuid

import grpc
import pytest

from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.money import Money
from mesh.resilience.rpc_errors import domain_error_of
from services.payments import store
from services.payments.domain.intent import PaymentIntent
from tests.integration.payments.service.conftest import PaymentsUnderTest

APPROVE = "4242424242424242"


async def list_page(p: PaymentsUnderTest, size: int, token: str = "", **filters) -> ps.ListPaymentIntentsResponse:
    return await p.payments.ListPaymentIntents(
        ps.ListPaymentIntentsRequest(parent=f"tenants/{p.tenant}", page_size=size, page_token=token, **filters),
        metadata=p.md(),
    )


async def created(p: PaymentsUnderTest, count: int) -> list[str]:
    return [(await p.created_intent(APPROVE, amount=100 + n)).name for n in range(count)]


async def all_pages(p: PaymentsUnderTest, size: int) -> list[str]:
    seen, token = [], ""
    while True:
        page = await list_page(p, size, token)
        seen += [intent.name for intent in page.payment_intents]
        if not (token := page.next_page_token):
            return seen


async def test_intents_created_between_pages_neither_repeat_nor_skip_a_row(payments: PaymentsUnderTest) -> None:
    older = await created(payments, 5)
    first = await list_page(payments, 2)
    await created(payments, 2)  # newer than every row listed: offset paging would show two rows again

    second = await list_page(payments, 2, first.next_page_token)
    third = await list_page(payments, 2, second.next_page_token)

    shown = [intent.name for page in (first, second, third) for intent in page.payment_intents]
    assert shown == list(reversed(older))
    assert third.next_page_token == ""


async def test_intents_created_in_the_same_instant_page_by_id(payments: PaymentsUnderTest) -> None:
    instant = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=datetime.UTC)
    ids = [f"pi_tie_{n}" for n in range(5)]
    async with payments.runtime.database.transaction() as conn:
        for intent_id in ids:
            await store.insert(
                conn, PaymentIntent.create(id=intent_id, tenant=payments.tenant, amount=Money("EUR", 100), now=instant)
            )

    shown = await all_pages(payments, 2)

    assert shown == [f"tenants/{payments.tenant}/paymentIntents/{i}" for i in sorted(ids, reverse=True)]


async def test_a_page_token_of_another_parent_is_refused(payments: PaymentsUnderTest) -> None:
    await created(payments, 2)
    first = await list_page(payments, 1)
    other = PaymentsUnderTest(
        payments.runtime, payments.app, payments.psps, payments.channel, tenant=f"t-{uuid.uuid4().hex[:10]}"
    )

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await list_page(other, 1, first.next_page_token)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert domain_error_of(raised.value).reason.name == "INVALID_PAGE_TOKEN"


async def test_a_state_filter_pages_only_its_state(payments: PaymentsUnderTest) -> None:
    names = await created(payments, 4)
    for name in names[:3]:
        await payments.authorize(name)

    first = await list_page(payments, 2, state=pi.PAYMENT_INTENT_STATE_REQUIRES_CAPTURE)
    second = await list_page(payments, 2, first.next_page_token, state=pi.PAYMENT_INTENT_STATE_REQUIRES_CAPTURE)

    assert [i.name for i in [*first.payment_intents, *second.payment_intents]] == list(reversed(names[:3]))
    assert second.next_page_token == ""


async def test_a_refund_is_found_only_under_its_own_intent(payments: PaymentsUnderTest) -> None:
    paid, other = await created(payments, 2)
    await payments.authorize(paid)
    await payments.payments.CapturePaymentIntent(
        ps.CapturePaymentIntentRequest(name=paid, request_id=str(uuid.uuid4())), metadata=payments.md()
    )
    refunded = await payments.payments.RefundPayment(
        ps.RefundPaymentRequest(
            parent=paid, request_id=str(uuid.uuid4()), amount={"currency_code": "EUR", "amount_minor": 50}
        ),
        metadata=payments.md(),
    )
    refund_id = refunded.refund.name.rsplit("/", 1)[1]

    found = await payments.payments.GetRefund(ps.GetRefundRequest(name=refunded.refund.name), metadata=payments.md())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await payments.payments.GetRefund(
            ps.GetRefundRequest(name=f"{other}/refunds/{refund_id}"), metadata=payments.md()
        )

    assert found.refund == refunded.refund
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
