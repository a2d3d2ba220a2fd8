"""Field paths keep their subscripts: a bad quantity on the second line is line_items[1].quantity,
so a caller knows which line to fix. protovalidate 2 hands out protobuf-py violation objects, whose
subscript is a protobuf.Oneof, not a Google protobuf oneof."""

from __future__ import annotations

import protovalidate
import pytest
from protobuf import Oneof

from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.type.v1 import money_pb2
from mesh.interceptors.field_paths import field_path
from mesh.interceptors.validation import violations_of

REQUEST_ID = "7b1f1d3e-1d7a-4b5e-9c1e-3a1b2c3d4e5f"


def line(quantity: int = 1, currency: str = "EUR") -> inv.CreateInvoiceRequest.LineItem:
    return inv.CreateInvoiceRequest.LineItem(
        description="Consulting",
        quantity=quantity,
        unit_amount=money_pb2.Money(currency_code=currency, amount_minor=100),
    )


def invoice(*lines: inv.CreateInvoiceRequest.LineItem) -> inv.CreateInvoiceRequest:
    return inv.CreateInvoiceRequest(parent="tenants/acme", request_id=REQUEST_ID, currency_code="EUR", line_items=lines)


def paths_of(request) -> list[str]:
    return [violation.field for violation in violations_of(request, protovalidate.Validator())]


def test_valid_invoice_has_no_violation() -> None:
    assert paths_of(invoice(line(), line())) == []


def test_violation_in_second_line_item_names_its_index() -> None:
    assert paths_of(invoice(line(), line(quantity=0))) == ["line_items[1].quantity"]


def test_violation_nested_below_a_repeated_field_keeps_the_index() -> None:
    request = invoice(line(), line(), line(currency="euro"))

    assert "line_items[2].unit_amount.currency_code" in paths_of(request)


def test_credit_note_line_violation_names_its_index() -> None:
    request = inv.CreateCreditNoteRequest(
        parent="tenants/acme/invoices/in_1",
        request_id=REQUEST_ID,
        reason=1,
        lines=[inv.CreateCreditNoteRequest.Line(line_item="li_1"), inv.CreateCreditNoteRequest.Line(line_item="li 2")],
    )

    assert paths_of(request) == ["lines[1].line_item"]


@pytest.mark.parametrize(
    ("subscript", "written"),
    [
        (Oneof("index", 3), "[3]"),
        (Oneof("string_key", "vip"), '["vip"]'),
        (Oneof("string_key", 'say "hi"'), r'["say \"hi\""]'),
        (Oneof("int_key", -7), "[-7]"),
        (Oneof("uint_key", 7), "[7]"),
        (Oneof("bool_key", True), "[true]"),
    ],
)
def test_map_keys_and_indexes_are_written_like_aip_193(subscript: Oneof, written: str) -> None:
    path = protovalidate.FieldPathPb(
        elements=[
            protovalidate.FieldPathElementPb(field_name="labels", subscript=subscript),
            protovalidate.FieldPathElementPb(field_name="value"),
        ]
    )

    assert field_path(path) == f"labels{written}.value"


def test_rule_on_the_request_itself_has_the_empty_path() -> None:
    assert field_path(None) == ""
    assert field_path(protovalidate.FieldPathPb()) == ""
