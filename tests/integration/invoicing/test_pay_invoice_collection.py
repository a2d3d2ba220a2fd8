"""PayInvoice with a payment_method, on both stacks, against a real payments server: invoicing
creates an AUTOMATIC payment intent and authorizes it through PaymentService, links it to the
invoice, and the PaymentCaptured event pays the invoice. One request_id makes one intent and one
capture however often it runs; a declined card leaves the invoice OPEN."""

from __future__ import annotations

import csv
import datetime
import io
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.invoicing.v1 import invoice_pb2
from commerce.invoicing.v1 import invoice_service_pb2 as ins
from commerce.payments.v1 import payment_intent_pb2
from mesh import context as request_context
from mesh.money import Money
from mesh.resilience.rpc_errors import domain_error_of
from services.invoicing.payments_client import Collection
from tests.call_twice import interrupt_once_after
from tests.integration.invoicing.payments_stack import APPROVED, STOLEN, Stack, eur

PAID = invoice_pb2.INVOICE_STATE_PAID


async def pay_with_card(
    stack: Stack, invoice: invoice_pb2.Invoice, token: str, request_id: str | None = None, **fields
) -> ins.PayInvoiceResponse:
    return await stack.invoices.PayInvoice(
        ins.PayInvoiceRequest(
            name=invoice.name, request_id=request_id or str(uuid.uuid4()), payment_method=token, **fields
        ),
        metadata=stack.md(),
    )


async def captures_settled_today(stack: Stack, psp: str) -> int:
    """Capture rows of the PSP's own settlement report."""
    report = await stack.psps[psp].settlement_report(datetime.datetime.now(datetime.UTC).date())
    return sum(1 for row in csv.reader(io.StringIO(report, newline="")) if row[1] == "capture")


async def test_paying_with_a_card_collects_the_amount_due_and_the_capture_pays_the_invoice(stack: Stack) -> None:
    invoice = await stack.open_invoice(10000)

    answered = (await pay_with_card(stack, invoice, await stack.token(APPROVED))).invoice

    (intent,) = await stack.payment_intents()
    assert answered.state in (invoice_pb2.INVOICE_STATE_OPEN, PAID)  # PAID once the capture is consumed
    assert intent.capture_method == payment_intent_pb2.CAPTURE_METHOD_AUTOMATIC
    assert intent.state == payment_intent_pb2.PAYMENT_INTENT_STATE_SUCCEEDED
    assert (intent.amount.amount_minor, intent.amount_captured.amount_minor) == (11900, 11900)
    assert invoice.number in intent.description and invoice.name in intent.description
    paid = await stack.wait_for_invoice(invoice.name, lambda i: i.state == PAID, "the invoice being paid")
    assert (paid.amount_paid.amount_minor, paid.amount_due.amount_minor) == (11900, 0)
    assert list(paid.payment_intents) == [intent.name]
    assert (await stack.balance("accounts-receivable"))[0] == 0


async def test_paying_part_with_a_card_collects_only_the_requested_amount(stack: Stack) -> None:
    invoice = await stack.open_invoice(10000)

    await pay_with_card(stack, invoice, await stack.token(APPROVED), amount=eur(4000))

    (intent,) = await stack.payment_intents()
    assert intent.amount_captured.amount_minor == 4000
    part = await stack.wait_for_invoice(
        invoice.name, lambda i: i.amount_paid.amount_minor == 4000, "the partial capture being applied"
    )
    assert (part.state, part.amount_due.amount_minor) == (invoice_pb2.INVOICE_STATE_OPEN, 7900)


async def test_paying_twice_with_one_request_id_makes_one_intent_and_one_capture(stack: Stack) -> None:
    invoice = await stack.open_invoice(10000)
    token, request_id = await stack.token(APPROVED), str(uuid.uuid4())

    first = await pay_with_card(stack, invoice, token, request_id)
    again = await pay_with_card(stack, invoice, token, request_id)  # the idempotency guard replays
    # A resumed execution (its stored outcome lost, say) asks payments again: the request_ids
    # derived from PayInvoice's make payments replay the first intent and authorization.
    collection = Collection(
        stack.tenant,
        request_id,
        invoice.name,
        f"Invoice {invoice.number} ({invoice.name})",
        order="",
        payment_method=token,
        amount=Money("EUR", 11900),
    )  # as the first run
    bound = request_context.bind(request_context.RequestContext(stack.tenant, "tests", "resumed"))
    try:
        recreated = await stack.payments_client.create_intent(collection)
        reauthorized = await stack.payments_client.authorize(collection, recreated.name)
    finally:
        request_context.reset(bound)

    assert again == first
    (intent,) = await stack.payment_intents()
    assert recreated.name == reauthorized.name == intent.name
    assert await captures_settled_today(stack, intent.psp) == 1
    paid = await stack.wait_for_invoice(invoice.name, lambda i: i.state == PAID, "the invoice being paid")
    assert paid.amount_paid.amount_minor == 11900
    assert (await stack.published_events()).count("PaymentCaptured") == 1


async def test_a_declined_card_fails_the_payment_and_leaves_the_invoice_open(stack: Stack) -> None:
    invoice = await stack.open_invoice(10000)
    token, request_id = await stack.token(STOLEN), str(uuid.uuid4())

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await pay_with_card(stack, invoice, token, request_id)

    status = domain_error_of(raised.value)
    info = status.detail(error_details_pb2.ErrorInfo)
    (intent,) = await stack.payment_intents()
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (info.reason, info.domain) == ("INVOICE_PAYMENT_FAILED", "commerce.invoicing.v1")
    assert dict(info.metadata) == {
        "decline_code": "stolen_card",
        "hard_decline": "true",
        "payment_intent": intent.name,
        "cause_reason": "CARD_DECLINED",
        "cause_domain": "commerce.payments.v1",
    }
    assert intent.state == payment_intent_pb2.PAYMENT_INTENT_STATE_FAILED
    assert await stack.invoice(invoice.name) == invoice  # OPEN, nothing applied
    assert (await stack.invoicing_events()).count("InvoicePaymentFailed") == 1

    # The same request_id again answers the same refusal, asking nobody again.
    with pytest.raises(grpc.aio.AioRpcError) as replayed:
        await pay_with_card(stack, invoice, token, request_id)
    assert domain_error_of(replayed.value).status == status.status
    assert len(await stack.payment_intents()) == 1
    assert (await stack.invoicing_events()).count("InvoicePaymentFailed") == 1


async def test_a_collection_resumed_after_its_capture_paid_the_invoice_answers_the_invoice_and_charges_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = await stack.open_invoice(10000)
    token, request_id = await stack.token(APPROVED), str(uuid.uuid4())
    interrupt_once_after(stack.invoicing_app.collection, "collect", monkeypatch)
    with pytest.raises(grpc.aio.AioRpcError) as lost:  # charged and linked, then the process died
        await pay_with_card(stack, invoice, token, request_id)
    assert lost.value.code() == grpc.StatusCode.INTERNAL
    await stack.wait_for_invoice(invoice.name, lambda i: i.state == PAID, "the capture paying the invoice")

    # The retry resumes after the link: the invoice is PAID now and owes nothing, but this request
    # planned 119.00 before it charged, and that is what it asks payments to replay.
    retried = (await pay_with_card(stack, invoice, token, request_id)).invoice

    assert retried.state == PAID
    (intent,) = await stack.payment_intents()
    assert intent.amount_captured.amount_minor == 11900
    assert await captures_settled_today(stack, intent.psp) == 1
    assert (await stack.published_events()).count("PaymentCaptured") == 1
