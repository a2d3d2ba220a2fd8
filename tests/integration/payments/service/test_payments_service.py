"""The payments service end to end over gRPC: money moves once, states and events are right."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import events_pb2
from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.type.v1 import money_pb2
from mesh.persistence.tables import outbox
from mesh.resilience.rpc_errors import domain_error_of, status_of
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA
from tests.integration.payments.service.conftest import PaymentsUnderTest

APPROVE = "4242424242424242"
STOLEN = "4000000000009979"
INSUFFICIENT_FUNDS = "4000000000009995"
CHALLENGE = "4000000000003220"


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=minor)


def reason(err: grpc.aio.AioRpcError) -> str | None:
    return domain_error_of(err).reason.name


async def event_types(p: PaymentsUnderTest) -> list[str]:
    """The money events in the outbox, oldest first (PaymentIntentStateChanged has its own test)."""
    async with p.runtime.database.transaction() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.position))
        return [kind for row in rows if (kind := row.event_type.rsplit(".", 1)[-1]) != "PaymentIntentStateChanged"]


async def events_of(p: PaymentsUnderTest, event_class) -> list:
    """The outbox's events of one type, unpacked, oldest first."""
    async with p.runtime.database.transaction() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.position))
        envelopes = [envelope_pb2.EventEnvelope.FromString(row.payload) for row in rows]
    found = []
    for envelope in envelopes:
        if envelope.data.Is(event_class.DESCRIPTOR):
            event = event_class()
            envelope.data.Unpack(event)
            found.append(event)
    return found


async def cancel(p: PaymentsUnderTest, name: str):
    return (
        await p.payments.CancelPaymentIntent(
            ps.CancelPaymentIntentRequest(
                name=name, request_id=str(uuid.uuid4()), reason="customer changed their mind"
            ),
            metadata=p.md(),
        )
    ).payment_intent


async def capture(p: PaymentsUnderTest, name: str, amount: int | None = None, request_id: str | None = None):
    request = ps.CapturePaymentIntentRequest(name=name, request_id=request_id or str(uuid.uuid4()))
    if amount is not None:
        request.amount.CopyFrom(eur(amount))
    return (await p.payments.CapturePaymentIntent(request, metadata=p.md())).payment_intent


async def refund(p: PaymentsUnderTest, name: str, amount: int):
    return await p.payments.RefundPayment(
        ps.RefundPaymentRequest(parent=name, request_id=str(uuid.uuid4()), amount=eur(amount)), metadata=p.md()
    )


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


async def declined(p: PaymentsUnderTest, name: str, request_id: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await p.authorize(name, request_id)
    return raised.value


async def test_hard_decline_fails_the_intent_and_publishes_payment_failed(payments: PaymentsUnderTest) -> None:
    created = await payments.created_intent(STOLEN)
    request_id = str(uuid.uuid4())

    first = await declined(payments, created.name, request_id)
    replayed = await declined(payments, created.name, request_id)  # the client retries, same request_id

    assert first.code() == grpc.StatusCode.FAILED_PRECONDITION
    error = domain_error_of(first)
    info = error.detail(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("CARD_DECLINED", "commerce.payments.v1")
    assert dict(info.metadata) == {
        "decline_code": "stolen_card",
        "hard_decline": "true",
        "payment_intent": created.name,
    }
    assert STOLEN not in first.details() and STOLEN[-4:] not in first.details()
    assert status_of(replayed) == status_of(first)
    assert len(payments.psps[SANDBOX_ALPHA].authorize_calls) == 1  # the replay never reached the PSP
    assert payments.psps[SANDBOX_BETA].authorize_calls == []  # a decline is never routed on
    intent = await payments.get(created.name)
    assert intent.state == pi.PAYMENT_INTENT_STATE_FAILED and intent.decline_code == "stolen_card"
    assert await event_types(payments) == ["PaymentFailed"]
    [failed] = await events_of(payments, events_pb2.PaymentFailed)
    assert (failed.payment_intent, failed.decline_code, failed.hard_decline) == (created.name, "stolen_card", True)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await capture(payments, created.name)
    assert reason(raised.value) == "PAYMENT_INTENT_STATE_INVALID"


async def test_soft_decline_with_automatic_capture_answers_card_declined_and_captures_nothing(
    payments: PaymentsUnderTest,
) -> None:
    created = await payments.created_intent(INSUFFICIENT_FUNDS, capture_method=pi.CAPTURE_METHOD_AUTOMATIC)

    err = await declined(payments, created.name, str(uuid.uuid4()))

    info = domain_error_of(err).detail(error_details_pb2.ErrorInfo)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "CARD_DECLINED"
    assert (info.metadata["decline_code"], info.metadata["hard_decline"]) == ("insufficient_funds", "false")
    intent = await payments.get(created.name)
    assert intent.state == pi.PAYMENT_INTENT_STATE_FAILED and intent.amount_captured.amount_minor == 0
    assert await event_types(payments) == ["PaymentFailed"]
    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(created.name)
    assert at_psp.captured.amount_minor == 0


async def test_challenge_answers_ok_with_requires_action(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(CHALLENGE)

    assert intent.state == pi.PAYMENT_INTENT_STATE_REQUIRES_ACTION
    assert await event_types(payments) == []


async def test_decline_learned_by_the_janitor_fails_the_intent_without_an_error(payments: PaymentsUnderTest) -> None:
    payments.psps[SANDBOX_ALPHA].lose_authorizations = 3
    intent = await payments.authorized_intent(STOLEN)  # the answer is lost: OK, outcome unknown
    assert intent.state == pi.PAYMENT_INTENT_STATE_REQUIRES_VERIFICATION

    resolved = await payments.janitor.run_once()

    assert resolved == 1
    failed = await payments.get(intent.name)
    assert failed.state == pi.PAYMENT_INTENT_STATE_FAILED and failed.decline_code == "stolen_card"
    assert await event_types(payments) == ["PaymentFailed"]


async def test_cancel_after_authorization_names_the_psp_that_released_the_hold(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)

    canceled = await cancel(payments, intent.name)

    assert canceled.state == pi.PAYMENT_INTENT_STATE_CANCELED
    [event] = await events_of(payments, events_pb2.PaymentCanceled)
    assert (event.payment_intent, event.psp, event.amount.amount_minor) == (intent.name, SANDBOX_ALPHA, 1000)
    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)
    assert at_psp.state == "voided"


@pytest.mark.parametrize("pan", [None, CHALLENGE], ids=["before-authorization", "after-a-challenge"])
async def test_cancel_while_nothing_is_held_names_no_psp(payments: PaymentsUnderTest, pan: str | None) -> None:
    if pan is None:
        intent = await payments.created_intent(APPROVE)
    else:  # REQUIRES_ACTION: a PSP asked for a challenge but holds nothing
        intent = await payments.authorized_intent(pan)
        assert intent.psp == SANDBOX_ALPHA

    await cancel(payments, intent.name)

    [event] = await events_of(payments, events_pb2.PaymentCanceled)
    assert event.payment_intent == intent.name and event.psp == ""


async def test_refund_event_names_the_psp_and_its_refund_reference(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)
    await capture(payments, intent.name)

    response = await refund(payments, intent.name, 300)

    [event] = await events_of(payments, events_pb2.PaymentRefunded)
    assert event.psp == SANDBOX_ALPHA
    assert event.psp_reference and event.psp_reference == response.refund.psp_reference
    assert event.psp_reference != intent.psp_reference  # the refund's own id, not the payment's
    assert event.refund == response.refund.name


async def test_two_concurrent_captures_capture_once(payments: PaymentsUnderTest) -> None:
    intent = await payments.authorized_intent(APPROVE, 1000)

    results = await asyncio.gather(
        capture(payments, intent.name), capture(payments, intent.name), return_exceptions=True
    )

    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(succeeded) == 1 and len(refused) == 1
    # Refused by the state after the first, or (retryable) while the first one's PSP call is in flight.
    assert reason(refused[0]) in ("AMOUNT_EXCEEDS_CAPTURABLE", "PAYMENT_INTENT_STATE_INVALID", "REQUEST_IN_PROGRESS")
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


async def test_intents_list_in_pages_and_by_state(payments: PaymentsUnderTest) -> None:
    created = [(await payments.created_intent("4242424242424242", amount=100 + n)).name for n in range(5)]
    authorized = await payments.authorize(created[1])

    seen, token, pages = [], "", 0
    while True:
        page = await payments.payments.ListPaymentIntents(
            ps.ListPaymentIntentsRequest(parent=f"tenants/{payments.tenant}", page_size=2, page_token=token),
            metadata=payments.md(),
        )
        seen += [intent.name for intent in page.payment_intents]
        pages, token = pages + 1, page.next_page_token
        if not token:
            break
    only_authorized = await payments.payments.ListPaymentIntents(
        ps.ListPaymentIntentsRequest(parent=f"tenants/{payments.tenant}", state=authorized.state),
        metadata=payments.md(),
    )

    assert (pages, sorted(seen)) == (3, sorted(created))
    assert [intent.name for intent in only_authorized.payment_intents] == [created[1]]


async def test_a_page_token_is_refused_with_another_state_filter(payments: PaymentsUnderTest) -> None:
    for _ in range(2):
        await payments.created_intent("4242424242424242")
    first = await payments.payments.ListPaymentIntents(
        ps.ListPaymentIntentsRequest(parent=f"tenants/{payments.tenant}", page_size=1), metadata=payments.md()
    )

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await payments.payments.ListPaymentIntents(
            ps.ListPaymentIntentsRequest(
                parent=f"tenants/{payments.tenant}",
                page_size=1,
                page_token=first.next_page_token,
                state=pi.PAYMENT_INTENT_STATE_SUCCEEDED,
            ),
            metadata=payments.md(),
        )

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT and reason(raised.value) == "INVALID_PAGE_TOKEN"


async def test_every_transition_publishes_the_state_change(payments: PaymentsUnderTest) -> None:
    """One PaymentIntentStateChanged per version, chained from→to, ending in the intent's state;
    also for the moves that publish no money event (challenge, processing)."""
    challenged = await payments.created_intent(CHALLENGE, 500)
    await payments.authorize(challenged.name)  # REQUIRES_ACTION: a 3-D Secure challenge
    paid = await payments.authorized_intent(APPROVE, 1000)
    await capture(payments, paid.name, 400)
    await refund(payments, paid.name, 100)

    changes = await events_of(payments, events_pb2.PaymentIntentStateChanged)

    S = pi.PaymentIntentState

    def path(name: str) -> list[tuple[str, str, int]]:
        return [
            (
                S.Name(c.from_state).removeprefix("PAYMENT_INTENT_STATE_"),
                S.Name(c.to_state).removeprefix("PAYMENT_INTENT_STATE_"),
                c.version,
            )
            for c in changes
            if c.payment_intent == name
        ]

    assert path(challenged.name) == [
        ("UNSPECIFIED", "REQUIRES_CONFIRMATION", 1),
        ("REQUIRES_CONFIRMATION", "PROCESSING", 2),
        ("PROCESSING", "REQUIRES_ACTION", 3),
    ]
    assert path(paid.name) == [
        ("UNSPECIFIED", "REQUIRES_CONFIRMATION", 1),
        ("REQUIRES_CONFIRMATION", "PROCESSING", 2),
        ("PROCESSING", "REQUIRES_CAPTURE", 3),
        ("REQUIRES_CAPTURE", "SUCCEEDED", 4),
        ("SUCCEEDED", "SUCCEEDED", 5),
    ]
    assert (await payments.get(challenged.name)).state == pi.PAYMENT_INTENT_STATE_REQUIRES_ACTION
