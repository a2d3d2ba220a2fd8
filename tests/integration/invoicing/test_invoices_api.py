"""InvoiceService over real gRPC on both stacks: drafts, finalization (numbers, tax, ledger),
illegal transitions, validation, the tax provider being down, payments and refunds arriving as
events, credit notes."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.invoicing.v1 import invoice_pb2
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from commerce.payments.v1 import events_pb2
from mesh.resilience.rpc_errors import domain_error_of
from services.invoicing.tax_rules import default_calculator
from tests.integration.invoicing.conftest import PSP, BillingUnderTest, eur, start_billing

S = invoice_pb2.InvoiceState
PRO = {"description": "Pro plan", "quantity": 2, "unit_amount": eur(10000), "tax_code": "standard"}
DISCOUNT = {"description": "Launch discount", "quantity": 1, "unit_amount": eur(1500), "credit": True}


async def rpc_error(call):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value, domain_error_of(raised.value)


async def balance(billing: BillingUnderTest, account_id: str) -> int:
    response = await billing.ledger.GetAccountBalance(
        ls.GetAccountBalanceRequest(account=billing.account(account_id), currency_code="EUR"), metadata=billing.md()
    )
    return response.balances[0].balance.amount_minor


async def entry_count(billing: BillingUnderTest) -> int:
    response = await billing.ledger.ListJournalEntries(
        ls.ListJournalEntriesRequest(parent=billing.parent, page_size=500), metadata=billing.md()
    )
    return len(response.journal_entries)


def amounts(invoice: invoice_pb2.Invoice) -> tuple[int, ...]:
    return tuple(
        getattr(invoice, field).amount_minor
        for field in ("subtotal", "discounts", "tax", "total", "amount_paid", "amount_credited", "amount_due")
    )


def assert_identities(invoice: invoice_pb2.Invoice) -> None:
    subtotal, discounts, tax, total, paid, credited, due = amounts(invoice)
    assert subtotal + tax - discounts == total
    assert total - paid - credited - invoice.amount_voided.amount_minor == due - invoice.customer_credit.amount_minor


async def test_a_draft_is_priced_but_neither_numbered_nor_taxed(billing: BillingUnderTest) -> None:
    draft = await billing.draft(PRO, DISCOUNT)

    assert draft.state == S.INVOICE_STATE_DRAFT and draft.number == ""
    assert amounts(draft) == (20000, 1500, 0, 18500, 0, 0, 0)
    assert [line.id for line in draft.line_items] == ["li_1", "li_2"]
    assert await entry_count(billing) == 0


async def test_finalizing_numbers_taxes_freezes_and_books_the_invoice(billing: BillingUnderTest) -> None:
    opened = await billing.opened(PRO, DISCOUNT)

    assert opened.state == S.INVOICE_STATE_OPEN and opened.number == "INV-000001"
    # 19 % German VAT, per line, half to even: 3800 on the charge, −285 on the discount.
    assert amounts(opened) == (20000, 1500, 3515, 22015, 0, 0, 22015)
    assert [(line.tax_amount.amount_minor, line.tax_rate) for line in opened.line_items] == [
        (3800, "0.19"),
        (-285, "0.19"),
    ]
    assert_identities(opened)
    assert (await billing.call("GetInvoice", name=opened.name)).invoice == opened
    assert [
        await balance(billing, account) for account in ("accounts-receivable", "revenue", "discounts", "tax-payable")
    ] == [22015, 20000, 1500, 3515]


@pytest.mark.parametrize("move", ["finalize twice", "pay a void invoice", "credit a draft", "void a paid one"])
async def test_every_illegal_transition_is_refused_and_changes_nothing(billing: BillingUnderTest, move: str) -> None:
    invoice = await billing.draft(PRO) if move == "credit a draft" else await billing.opened(PRO)
    if move == "pay a void invoice":
        invoice = (await billing.call("VoidInvoice", name=invoice.name, reason="order canceled")).invoice
    if move == "void a paid one":
        intent = billing.intent("pi_paid")
        await billing.call("PayInvoice", name=invoice.name, payment_intent=intent)
        await billing.book(events_pb2.PaymentCaptured(payment_intent=intent, amount=eur(23800), psp=PSP))
        invoice = (await billing.call("GetInvoice", name=invoice.name)).invoice
    entries = await entry_count(billing)

    attempt = {
        "finalize twice": lambda: billing.call("FinalizeInvoice", name=invoice.name),
        "pay a void invoice": lambda: billing.call(
            "PayInvoice", name=invoice.name, payment_intent=billing.intent("pi_1")
        ),
        "credit a draft": lambda: billing.call("CreateCreditNote", parent=invoice.name, amount=eur(100), reason=1),
        "void a paid one": lambda: billing.call("VoidInvoice", name=invoice.name),
    }[move]
    error, status = await rpc_error(attempt())

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and status.reason.name == "INVOICE_STATE_INVALID"
    assert status.detail(error_details_pb2.ErrorInfo).metadata["state"] == S.Name(invoice.state).split("_")[-1]
    assert (await billing.call("GetInvoice", name=invoice.name)).invoice == invoice
    assert await entry_count(billing) == entries


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "x", "quantity": -1, "unit_amount": eur(100)}, "line_items[1].quantity"),
        ({"description": "x", "quantity": 1, "unit_amount": eur(100), "tax_code": "luxury"}, "line_items[1].tax_code"),
        ({"description": "x", "quantity": 1, "unit_amount": {"currency_code": "USD", "amount_minor": 100}}, None),
    ],
)
async def test_bad_line_items_are_validation_failures_that_write_nothing(
    billing: BillingUnderTest, line: dict, field: str | None
) -> None:
    error, status = await rpc_error(billing.draft(PRO, line))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and status.reason.name == "VALIDATION_FAILED"
    if field is not None:
        assert [v.field for v in status.detail(error_details_pb2.BadRequest).field_violations] == [field]
    listed = await billing.call("ListInvoices", parent=billing.parent)
    assert list(listed.invoices) == []


class SwitchableProvider:
    """The built-in provider behind a switch that takes it down."""

    def __init__(self) -> None:
        self.down, self.calls, self._rules = False, 0, default_calculator()

    async def calculate(self, request):
        self.calls += 1
        if self.down:
            raise ConnectionError("tax provider unreachable")
        return await self._rules.calculate(request)


async def test_with_the_tax_provider_down_finalizing_fails_retryably_and_uses_no_number(service_stack) -> None:
    provider = SwitchableProvider()
    billing, stop = await start_billing(service_stack, tax_calculator=provider)
    try:
        draft = await billing.draft(PRO)
        provider.down = True

        error, status = await rpc_error(billing.call("FinalizeInvoice", name=draft.name))

        assert error.code() == grpc.StatusCode.UNAVAILABLE and status.reason.name == "TAX_CALCULATION_FAILED"
        assert status.detail(error_details_pb2.RetryInfo) is not None
        assert provider.calls == 2  # one retry, through mesh.resilience
        assert (await billing.call("GetInvoice", name=draft.name)).invoice == draft
        assert await entry_count(billing) == 0
        provider.down = False
        assert (await billing.call("FinalizeInvoice", name=draft.name)).invoice.number == "INV-000001"
    finally:
        await stop()


async def test_fifty_concurrent_finalizations_get_fifty_consecutive_numbers(billing: BillingUnderTest) -> None:
    drafts = [await billing.draft(PRO) for _ in range(50)]

    finalized = await asyncio.gather(*(billing.call("FinalizeInvoice", name=d.name) for d in drafts))

    numbers = sorted(response.invoice.number for response in finalized)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 51)]
    assert await balance(billing, "accounts-receivable") == 50 * 23800


async def test_captures_of_the_invoices_intent_pay_it_and_receivable_nets_to_zero(billing: BillingUnderTest) -> None:
    invoice = await billing.opened(PRO)  # 20000 + 3800 tax
    intent = billing.intent("pi_inv")
    linked = (await billing.call("PayInvoice", name=invoice.name, payment_intent=intent)).invoice
    assert linked.state == S.INVOICE_STATE_OPEN and linked.amount_due.amount_minor == 23800

    await billing.book(
        events_pb2.PaymentCaptured(
            payment_intent=intent, amount=eur(8000), fee=eur(262), psp=PSP, psp_reference="cap-1"
        )
    )
    partly = (await billing.call("GetInvoice", name=invoice.name)).invoice
    assert partly.state == S.INVOICE_STATE_OPEN and amounts(partly)[4:] == (8000, 0, 15800)

    await billing.book(
        events_pb2.PaymentCaptured(
            payment_intent=intent, amount=eur(15800), fee=eur(488), psp=PSP, psp_reference="cap-2"
        )
    )
    paid = (await billing.call("GetInvoice", name=invoice.name)).invoice
    assert paid.state == S.INVOICE_STATE_PAID and amounts(paid)[4:] == (23800, 0, 0)
    assert list(paid.payment_intents) == [intent]
    assert_identities(paid)
    assert await balance(billing, "accounts-receivable") == 0


async def test_a_capture_before_the_link_is_applied_when_the_link_comes(billing: BillingUnderTest) -> None:
    invoice = await billing.opened(PRO)
    intent = billing.intent("pi_early")
    await billing.book(events_pb2.PaymentCaptured(payment_intent=intent, amount=eur(23800), psp=PSP))

    paid = (await billing.call("PayInvoice", name=invoice.name, payment_intent=intent)).invoice

    assert paid.state == S.INVOICE_STATE_PAID and paid.amount_due.amount_minor == 0


async def test_a_full_refund_issues_its_credit_note_and_revenue_and_tax_net_to_zero(billing: BillingUnderTest) -> None:
    invoice = await billing.opened(PRO)
    intent = billing.intent("pi_refund")
    await billing.call("PayInvoice", name=invoice.name, payment_intent=intent)
    await billing.book(events_pb2.PaymentCaptured(payment_intent=intent, amount=eur(23800), psp=PSP))

    await billing.book(
        events_pb2.PaymentRefunded(
            payment_intent=intent, refund=f"{intent}/refunds/re_1", amount=eur(23800), psp=PSP, psp_reference="ref-1"
        )
    )

    (note,) = (await billing.call("ListCreditNotes", parent=invoice.name)).credit_notes
    assert (note.number, note.subtotal.amount_minor, note.tax.amount_minor, note.total.amount_minor) == (
        "CN-000001",
        20000,
        3800,
        23800,
    )
    credited = (await billing.call("GetInvoice", name=invoice.name)).invoice
    assert credited.amount_credited.amount_minor == 23800
    assert_identities(credited)
    assert await balance(billing, "revenue") == await balance(billing, "refunds") == 20000
    assert await balance(billing, "tax-payable") == 0
    assert await balance(billing, "accounts-receivable") == 0


async def test_a_credit_note_never_exceeds_what_is_still_creditable(billing: BillingUnderTest) -> None:
    invoice = await billing.opened(PRO)
    first = await billing.call("CreateCreditNote", parent=invoice.name, amount=eur(20000), reason=1)
    assert first.invoice.amount_due.amount_minor == 3800
    entries = await entry_count(billing)

    error, status = await rpc_error(billing.call("CreateCreditNote", parent=invoice.name, amount=eur(3801), reason=1))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and status.reason.name == "CREDIT_EXCEEDS_INVOICE"
    assert status.detail(error_details_pb2.ErrorInfo).metadata["remaining_minor"] == "3800"
    assert await entry_count(billing) == entries
    rest = await billing.call("CreateCreditNote", parent=invoice.name, amount=eur(3800), reason=1)
    assert rest.invoice.state == S.INVOICE_STATE_PAID and rest.credit_note.number == "CN-000002"
    assert await balance(billing, "accounts-receivable") == 0


async def test_voiding_an_open_invoice_reverses_its_booking(billing: BillingUnderTest) -> None:
    invoice = await billing.opened(PRO, DISCOUNT)

    voided = (await billing.call("VoidInvoice", name=invoice.name, reason="order canceled")).invoice

    assert voided.state == S.INVOICE_STATE_VOID and voided.number == invoice.number
    assert voided.amount_voided.amount_minor == 22015 and voided.amount_due.amount_minor == 0
    for account in ("accounts-receivable", "revenue", "discounts", "tax-payable"):
        assert await balance(billing, account) == 0
