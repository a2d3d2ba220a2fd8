"""No card number in free text, for every request of every service: request_violations() flags a
Luhn-valid digit run in any string field (nested and repeated ones with their paths), except the
vault's own inputs, marked debug_redact in the contract, and identifiers."""

from __future__ import annotations

import importlib
import pathlib

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message_factory import GetMessageClass

from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.type.v1 import money_pb2
from mesh.interceptors.request_checks import CARD_NUMBER_IN_TEXT, request_violations
from tests.unit.telemetry.cards import MASTERCARD, ORDER_NUMBER, VISA, grouped

GEN = pathlib.Path(__file__).parents[2] / "gen" / "python"
PASTED = f"card {grouped(VISA, ' ')} exp 12/30"
NOT_SCANNED = {"name", "parent", "request_id", "page_token"}  # identifiers, plus *_id and currencies


def request_types() -> list[Descriptor]:
    """The request message of every RPC of every service in the contract."""
    found = {}
    for path in sorted(GEN.glob("commerce/*/v1/*_service_pb2.py")):
        module = importlib.import_module(".".join(path.relative_to(GEN).with_suffix("").parts))
        for service in module.DESCRIPTOR.services_by_name.values():
            found.update({method.input_type.full_name: method.input_type for method in service.methods})
    return list(found.values())


def top_level_strings() -> list[tuple[Descriptor, FieldDescriptor]]:
    return [
        (request, field)
        for request in request_types()
        for field in request.fields
        if field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated
    ]


def is_free_text(field: FieldDescriptor) -> bool:
    return not (
        field.GetOptions().debug_redact
        or field.name in NOT_SCANNED
        or field.name.endswith("_id")
        or field.name.endswith("currency_code")
    )


def card_paths(request) -> list[str]:
    return [v.field for v in request_violations(request) if v.description == CARD_NUMBER_IN_TEXT]


def test_the_sweep_covers_every_service_and_the_free_text_fields_named_in_the_finding() -> None:
    free_text = {f"{request.name}.{field.name}" for request, field in top_level_strings() if is_free_text(field)}

    assert len({request.file.name for request in request_types()}) == 9  # every *_service.proto
    assert {
        "CreatePaymentIntentRequest.description",
        "CreatePaymentIntentRequest.order",
        "TokenizeCardRequest.cardholder_name",
        "CreateCreditNoteRequest.memo",
        "CancelOrderRequest.reason",
        "CreateCartRequest.email",
        "CreatePlanRequest.display_name",
    } <= free_text


@pytest.mark.parametrize(("request_type", "field"), top_level_strings(), ids=lambda item: getattr(item, "name", ""))
def test_card_number_in_any_free_text_field_is_a_violation_naming_it(request_type, field) -> None:
    request = GetMessageClass(request_type)(**{field.name: PASTED})

    assert card_paths(request) == ([field.name] if is_free_text(field) else [])


def test_vault_inputs_marked_debug_redact_take_the_card_number_and_cvc() -> None:
    request = vs.TokenizeCardRequest(card_number=VISA, cvc="737", cardholder_name="Ada Lovelace")

    assert request_violations(request) == []


def test_card_number_as_cardholder_name_is_refused() -> None:
    request = vs.TokenizeCardRequest(card_number=VISA, cardholder_name=grouped(MASTERCARD, "-"))

    assert card_paths(request) == ["cardholder_name"]


def test_nested_repeated_field_is_reported_with_its_index() -> None:
    request = inv.CreateInvoiceRequest(
        line_items=[
            inv.CreateInvoiceRequest.LineItem(description="Consulting, March"),
            inv.CreateInvoiceRequest.LineItem(description=f"paid with {VISA}"),
        ]
    )

    assert card_paths(request) == ["line_items[1].description"]


def test_every_offending_field_is_reported() -> None:
    request = ps.CreatePaymentIntentRequest(description=PASTED, order=grouped(VISA, "-"))

    assert card_paths(request) == ["order", "description"]


@pytest.mark.parametrize(
    "text",
    [
        f"order {ORDER_NUMBER}",
        "Invoice 2026-03-14, 3 x 1250",
        "call +49 30 1234 5678",
        f"{VISA}0000 (20 digits, one run)",
    ],
)
def test_ordinary_text_with_numbers_is_accepted(text: str) -> None:
    assert request_violations(ps.CreatePaymentIntentRequest(description=text)) == []


def test_unset_messages_and_scalars_cost_nothing_and_flag_nothing() -> None:
    assert request_violations(ps.CreatePaymentIntentRequest()) == []
    assert request_violations(money_pb2.Money()) == []
