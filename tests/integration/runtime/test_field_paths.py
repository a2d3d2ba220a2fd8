"""Over gRPC, in every service: a violation inside a repeated field names its element, so a client
can tell which line to fix (line_items[1].quantity, not line_items.quantity)."""

from __future__ import annotations

import uuid

from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.type.v1 import money_pb2
from tests.integration.runtime.contract_server import (  # noqa: F401 - contract_server is a fixture
    ContractServer,
    contract_server,
    reached_handler,
    violated_fields,
)

INVOICES = "commerce.invoicing.v1.InvoiceService"


def line(quantity: int = 1, currency: str = "EUR") -> inv.CreateInvoiceRequest.LineItem:
    return inv.CreateInvoiceRequest.LineItem(
        description="Consulting",
        quantity=quantity,
        unit_amount=money_pb2.Money(currency_code=currency, amount_minor=100),
    )


def invoice(*lines: inv.CreateInvoiceRequest.LineItem) -> inv.CreateInvoiceRequest:
    return inv.CreateInvoiceRequest(
        parent="tenants/acme", request_id=str(uuid.uuid4()), currency_code="EUR", line_items=lines
    )


async def test_bad_quantity_on_the_second_line_item_names_line_items_1(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    valid = await contract_server.refusal(INVOICES, "CreateInvoice", invoice(line(), line()))
    refused = await contract_server.refusal(INVOICES, "CreateInvoice", invoice(line(), line(quantity=0)))

    assert reached_handler(valid)
    assert violated_fields(refused) == ["line_items[1].quantity"]


async def test_each_bad_line_is_reported_with_its_own_index(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    request = invoice(line(quantity=0), line(), line(quantity=2_000_000))

    refused = await contract_server.refusal(INVOICES, "CreateInvoice", request)

    assert violated_fields(refused) == ["line_items[0].quantity", "line_items[2].quantity"]


async def test_nested_money_in_a_line_keeps_the_lines_index(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    refused = await contract_server.refusal(INVOICES, "CreateInvoice", invoice(line(), line(currency="eur")))

    assert "line_items[1].unit_amount.currency_code" in violated_fields(refused)


async def test_credit_note_line_is_named_by_its_index(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    request = inv.CreateCreditNoteRequest(
        parent="tenants/acme/invoices/in_1",
        request_id=str(uuid.uuid4()),
        reason=1,
        lines=[inv.CreateCreditNoteRequest.Line(line_item="li_1"), inv.CreateCreditNoteRequest.Line(line_item="li 2")],
    )

    refused = await contract_server.refusal(INVOICES, "CreateCreditNote", request)

    assert violated_fields(refused) == ["lines[1].line_item"]
