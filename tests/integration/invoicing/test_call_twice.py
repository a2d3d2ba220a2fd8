"""Every mutating RPC of invoicing, called twice with one request_id: the second call answers what
the first did and the effect happens once: one invoice, one number of a series consumed, one
journal entry, one event of each kind in the outbox, one credit note, one reconciliation report.
The same request_id with another body is refused IDEMPOTENCY_KEY_REUSED and changes nothing, and
a request interrupted after its last phase committed answers the success on retry.

Every mutating RPC here takes a request_id (InvoiceService and ReconciliationService); none has
to rely on being naturally idempotent alone. The helpers shared with payments' call-twice tests
live in tests/integration/payments/service/test_call_twice.py.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from google.protobuf.message import Message
from google.rpc import status_pb2

from commerce.invoicing.v1 import invoice_service_pb2 as ins
from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
from commerce.payments.v1 import events_pb2
from mesh.persistence.tables import outbox
from tests.call_twice import (
    Call,
    Observed,
    Outcome,
    assert_key_reused,
    changed,
    check_a_lost_answer_is_retried_once,
    check_a_second_call_replays,
    check_another_body_is_refused,
    interrupt_once_after,
    new_id,
    outcome,
)
from tests.integration.invoicing.conftest import PSP, BillingUnderTest, eur
from tests.integration.invoicing.payments_stack import APPROVED, Stack
from tests.integration.invoicing.test_pay_invoice_collection import captures_settled_today

PRO = {"description": "Pro plan", "quantity": 1, "unit_amount": eur(20000), "tax_code": "standard"}  # + 3800 VAT
EXTRA = {"description": "Extra seat", "quantity": 1, "unit_amount": eur(500)}

# What invoicing did: effects counted, and everything it holds, to prove a call changed nothing.

COUNTED_TABLES = ("invoices", "credit_notes", "invoice_payments", "journal_entries", "reconciliation_reports")


async def observed(b: BillingUnderTest) -> Observed:
    counts: collections.Counter[str] = collections.Counter()
    state: list[str] = []
    async with b.runtime.database.transaction() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        for table in sorted(tables):
            rows = sorted(repr(tuple(row)) for row in await conn.execute(sa.text(f"SELECT * FROM {table}")))
            state += [f"{table}: {row}" for row in rows]
            if table in COUNTED_TABLES:
                counts[f"{table} rows"] = len(rows)
        for series, last in await conn.execute(sa.text("SELECT series, last FROM document_counters")):
            counts[f"{series} numbers"] = last  # gap-free series: the last number is how many were drawn
        for (event_type,) in await conn.execute(sa.select(outbox.c.event_type)):
            counts[f"{event_type.rsplit('.', 1)[-1]} events"] += 1
    return Observed(+counts, tuple(state))


# The RPCs, each with what it needs first, its request and another body under the same request_id.


def invoice_call(b: BillingUnderTest, method: str, request: Message, **other: object) -> Call:
    return Call(getattr(b.invoices, method), request, changed(request, **other), b.md())


async def create_invoice(b: BillingUnderTest) -> Call:
    request = ins.CreateInvoiceRequest(parent=b.parent, request_id=new_id(), currency_code="EUR", line_items=[PRO])
    return invoice_call(b, "CreateInvoice", request, line_items=[EXTRA])


async def finalize(b: BillingUnderTest) -> Call:
    draft, another = await b.draft(PRO), await b.draft(PRO)
    request = ins.FinalizeInvoiceRequest(name=draft.name, request_id=new_id())
    return invoice_call(b, "FinalizeInvoice", request, name=another.name)


async def void(b: BillingUnderTest) -> Call:
    request = ins.VoidInvoiceRequest(name=(await b.opened(PRO)).name, request_id=new_id(), reason="order canceled")
    return invoice_call(b, "VoidInvoice", request, reason="duplicate")


async def pay(b: BillingUnderTest) -> Call:
    """Link a payment intent whose capture was booked already: the link pays the invoice."""
    invoice, intent = await b.opened(PRO), b.intent(f"pi_{new_id()[:8]}")
    await b.book(
        events_pb2.PaymentCaptured(
            payment_intent=intent, amount=eur(23800), psp=PSP, psp_reference=f"cap-{intent[-8:]}"
        )
    )
    request = ins.PayInvoiceRequest(name=invoice.name, request_id=new_id(), payment_intent=intent)
    return invoice_call(b, "PayInvoice", request, amount=eur(100))


async def mark_uncollectible(b: BillingUnderTest) -> Call:
    invoice, another = await b.opened(PRO), await b.opened(PRO)
    request = ins.MarkInvoiceUncollectibleRequest(name=invoice.name, request_id=new_id())
    return invoice_call(b, "MarkInvoiceUncollectible", request, name=another.name)


def credit_note(minor: int) -> Callable[[BillingUnderTest], Awaitable[Call]]:
    async def prepare(b: BillingUnderTest) -> Call:
        request = ins.CreateCreditNoteRequest(
            parent=(await b.opened(PRO)).name, request_id=new_id(), amount=eur(minor), reason=1
        )
        return invoice_call(b, "CreateCreditNote", request, amount=eur(minor - 1))

    return prepare


async def reconcile(b: BillingUnderTest) -> Call:
    await b.book(
        events_pb2.PaymentCaptured(
            payment_intent=b.intent("pi_settled"), amount=eur(10000), fee=eur(320), psp=PSP, psp_reference="cap-1"
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    header = "psp_reference,type,currency,gross_minor,fee_minor,net_minor\r\n"
    request = rs.ReconcileSettlementRequest(
        parent=b.parent,
        request_id=new_id(),
        psp=PSP,
        settlement_date=now.date().isoformat(),
        format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
        content=f"{header}cap-1,capture,EUR,10000,320,9680\r\n".encode(),
    )
    request.period_start_time.FromDatetime(now - datetime.timedelta(hours=2))
    request.period_end_time.FromDatetime(now + datetime.timedelta(hours=2))
    other = rs.ReconcileSettlementRequest()
    other.CopyFrom(request)
    other.content = f"{header}cap-1,capture,EUR,10000,321,9679\r\n".encode()  # another file
    return Call(b.reconciliation.ReconcileSettlement, request, other, b.md())


@dataclasses.dataclass(frozen=True)
class Rpc:
    prepare: Callable[[BillingUnderTest], Awaitable[Call]]
    use_case: tuple[str, str]  # the InvoicingApp part and its method behind the RPC
    effects: dict[str, int]  # what one execution adds
    refused: str = ""  # the ErrorInfo reason of a final refusal; "" for a success


RPCS = {
    "create-invoice": Rpc(create_invoice, ("invoices", "create"), {"invoices rows": 1}),
    "finalize": Rpc(
        finalize, ("invoices", "finalize"), {"invoice numbers": 1, "journal_entries rows": 1, "InvoiceIssued events": 1}
    ),
    "void": Rpc(void, ("invoices", "void"), {"journal_entries rows": 1, "InvoiceVoided events": 1}),
    "pay": Rpc(pay, ("invoices", "pay"), {"InvoicePaid events": 1}),
    "mark-uncollectible": Rpc(
        mark_uncollectible,
        ("invoices", "mark_uncollectible"),
        {"journal_entries rows": 1, "InvoiceMarkedUncollectible events": 1},
    ),
    "credit-note": Rpc(
        credit_note(5000),
        ("invoices", "credit"),
        {"credit_notes rows": 1, "credit_note numbers": 1, "journal_entries rows": 1, "CreditNoteIssued events": 1},
    ),
    "credit-note-too-large": Rpc(credit_note(23801), ("invoices", "credit"), {}, refused="CREDIT_EXCEEDS_INVOICE"),
    "reconcile": Rpc(
        reconcile,
        ("reconciliation", "reconcile"),
        {"reconciliation_reports rows": 1, "ReconciliationCompleted events": 1},
    ),
}
SUCCEEDING = [name for name, rpc in RPCS.items() if not rpc.refused]


@pytest.mark.parametrize("rpc", RPCS.values(), ids=RPCS.keys())
async def test_a_second_call_answers_the_first_answer_and_adds_no_effect(billing: BillingUnderTest, rpc: Rpc) -> None:
    await check_a_second_call_replays(await rpc.prepare(billing), lambda: observed(billing), rpc.effects, rpc.refused)


@pytest.mark.parametrize("rpc", RPCS.values(), ids=RPCS.keys())
async def test_the_same_request_id_with_another_body_is_refused_and_changes_nothing(
    billing: BillingUnderTest, rpc: Rpc
) -> None:
    await check_another_body_is_refused(await rpc.prepare(billing), lambda: observed(billing), rpc.refused)


@pytest.mark.parametrize("name", SUCCEEDING)
async def test_a_retry_after_the_first_answer_was_lost_answers_the_success_once(
    billing: BillingUnderTest, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rpc = RPCS[name]
    call = await rpc.prepare(billing)
    part, method = rpc.use_case
    interrupt_once_after(getattr(billing.app, part), method, monkeypatch)

    async def current(answer: Outcome) -> None:  # an invoice in the answer is the invoice as stored
        if "invoice" in answer.DESCRIPTOR.fields_by_name:
            assert answer.invoice == (await billing.call("GetInvoice", name=answer.invoice.name)).invoice

    await check_a_lost_answer_is_retried_once(call, lambda: observed(billing), rpc.effects, current)


async def test_collecting_under_a_reused_request_id_with_another_amount_is_refused(stack: Stack) -> None:
    """PayInvoice with a payment_method (test_pay_invoice_collection.py calls it twice): the
    reused request_id reaches neither payments nor the PSP again."""
    invoice = await stack.open_invoice(10000)
    request = ins.PayInvoiceRequest(name=invoice.name, request_id=new_id(), payment_method=await stack.token(APPROVED))
    call = Call(stack.invoices.PayInvoice, request, changed(request, amount=eur(4000)), stack.md())

    first = await outcome(call.send())
    reused = await outcome(call.send(call.other))

    assert not isinstance(first, status_pb2.Status), f"refused: {first}"
    assert_key_reused(reused)
    (intent,) = await stack.payment_intents()
    assert intent.amount_captured.amount_minor == 11900
    assert await captures_settled_today(stack, intent.psp) == 1
