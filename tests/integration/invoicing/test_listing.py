"""Every invoicing listing pages by key: rows created between two pages neither repeat nor make
a page skip one, rows created in the same instant page by their tie-breaker, and a token
serves only the query that issued it."""

from __future__ import annotations

import datetime
import uuid

import grpc
import pytest

from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
from mesh.resilience.rpc_errors import domain_error_of
from tests.integration.invoicing.conftest import PSP, BillingUnderTest, eur, start_billing

INSTANT = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=datetime.UTC)


async def invoice_page(billing: BillingUnderTest, size: int, token: str = "", **filters):
    return await billing.call("ListInvoices", parent=billing.parent, page_size=size, page_token=token, **filters)


async def drafts(billing: BillingUnderTest, count: int) -> list[str]:
    return [(await billing.draft()).name for _ in range(count)]


async def reconciled(billing: BillingUnderTest, reference: str) -> str:
    """A stored report (of a settlement the ledger does not know) with its own content."""
    content = f"psp_reference,type,currency,gross_minor,fee_minor,net_minor\r\n{reference},capture,EUR,700,50,650\r\n"
    request = rs.ReconcileSettlementRequest(
        parent=billing.parent,
        request_id=str(uuid.uuid4()),
        psp=PSP,
        settlement_date="2026-11-21",
        format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
        content=content.encode(),
    )
    response = await billing.reconciliation.ReconcileSettlement(request, metadata=billing.md())
    return response.reconciliation_report.name


async def test_invoices_created_between_pages_neither_repeat_nor_skip_a_row(billing: BillingUnderTest) -> None:
    older = await drafts(billing, 5)
    first = await invoice_page(billing, 2)
    await drafts(billing, 2)  # newer than every row listed: offset paging would show two rows again

    second = await invoice_page(billing, 2, first.next_page_token)
    third = await invoice_page(billing, 2, second.next_page_token)

    shown = [invoice.name for page in (first, second, third) for invoice in page.invoices]
    assert shown == list(reversed(older)) and third.next_page_token == ""


async def test_invoices_created_in_the_same_instant_page_by_id(service_stack) -> None:
    billing, stop = await start_billing(service_stack, clock=lambda: INSTANT)
    try:
        names = await drafts(billing, 5)
        shown, token = [], ""
        while True:
            page = await invoice_page(billing, 2, token)
            shown += [invoice.name for invoice in page.invoices]
            if not (token := page.next_page_token):
                break
    finally:
        await stop()

    assert shown == sorted(names, reverse=True)


async def test_an_invoice_page_token_is_refused_with_another_filter(billing: BillingUnderTest) -> None:
    await drafts(billing, 2)
    first = await invoice_page(billing, 1)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await invoice_page(billing, 1, first.next_page_token, customer="cus_other")

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert domain_error_of(raised.value).reason.name == "INVALID_PAGE_TOKEN"


async def test_credit_notes_issued_between_pages_come_after_the_ones_listed(billing: BillingUnderTest) -> None:
    invoice = await billing.opened()
    numbers = []
    for _ in range(3):
        created = await billing.call("CreateCreditNote", parent=invoice.name, amount=eur(100), reason=1)
        numbers.append(created.credit_note.number)
    first = await billing.call("ListCreditNotes", parent=invoice.name, page_size=2)
    created = await billing.call("CreateCreditNote", parent=invoice.name, amount=eur(100), reason=1)

    second = await billing.call("ListCreditNotes", parent=invoice.name, page_size=2, page_token=first.next_page_token)

    shown = [note.number for page in (first, second) for note in page.credit_notes]
    assert shown == [*numbers, created.credit_note.number] and second.next_page_token == ""


async def test_a_credit_note_is_found_only_under_its_own_invoice(billing: BillingUnderTest) -> None:
    invoice, other = await billing.opened(), await billing.opened()
    note = (await billing.call("CreateCreditNote", parent=invoice.name, amount=eur(100), reason=1)).credit_note

    found = await billing.call("GetCreditNote", name=note.name)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await billing.call("GetCreditNote", name=note.name.replace(invoice.name, other.name))

    assert found.credit_note == note
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND


async def test_reports_stored_between_pages_neither_repeat_nor_skip_a_row(billing: BillingUnderTest) -> None:
    older = [await reconciled(billing, f"cap-{n}") for n in range(3)]
    list_request = rs.ListReconciliationReportsRequest(parent=billing.parent, page_size=2)
    first = await billing.reconciliation.ListReconciliationReports(list_request, metadata=billing.md())
    await reconciled(billing, "cap-new")

    list_request.page_token = first.next_page_token
    second = await billing.reconciliation.ListReconciliationReports(list_request, metadata=billing.md())

    shown = [report.name for page in (first, second) for report in page.reconciliation_reports]
    assert shown == list(reversed(older)) and second.next_page_token == ""
