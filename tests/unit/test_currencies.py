"""Currencies are ISO 4217 with their minor units, not three capital letters; amounts stay under a
documented ceiling. Every Money and every currency_code of every request is checked."""

from __future__ import annotations

import importlib
import pathlib

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message_factory import GetMessageClass

from commerce.checkout.v1 import checkout_service_pb2 as cs
from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.type.v1 import money_pb2
from mesh.interceptors.request_checks import request_violations
from mesh.money import (
    AMOUNT_CEILING_MINOR,
    KNOWN_CURRENCIES,
    Money,
    amount_ceiling_minor,
    is_known_currency,
    minor_unit_exponent,
)

GEN = pathlib.Path(__file__).parents[2] / "gen" / "python"
INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("JPY", 0), ("KRW", 0), ("USD", 2), ("EUR", 2), ("KWD", 3), ("BHD", 3), ("TND", 3), ("CLF", 4), ("UYW", 4)],
)
def test_minor_unit_exponent_is_iso_4217s(code: str, exponent: int) -> None:
    assert minor_unit_exponent(code) == exponent


@pytest.mark.parametrize("code", ["ZZZ", "XAU", "XDR", "XTS", "XXX", "eur", "EURO", "", None])
def test_codes_that_are_not_currencies_with_a_minor_unit_are_unknown(code) -> None:
    assert not is_known_currency(code)
    with pytest.raises(ValueError, match="ISO 4217"):
        minor_unit_exponent(code)


def test_the_list_is_the_current_iso_one() -> None:
    assert {"EUR", "USD", "GBP", "CHF", "SLE", "ZWG"} <= KNOWN_CURRENCIES  # SLE 2022, ZWG 2024
    assert not {"DEM", "HRK"} & KNOWN_CURRENCIES  # withdrawn


def test_ceiling_is_ten_to_the_fifteen_minor_units_for_every_currency() -> None:
    assert {amount_ceiling_minor(code) for code in KNOWN_CURRENCIES} == {AMOUNT_CEILING_MINOR} == {10**15}


def test_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.from_proto(money_pb2.Money(currency_code="ZZZ", amount_minor=100))


def test_display_follows_the_exponent() -> None:
    assert [Money(code, 1250).display() for code in ("JPY", "EUR", "KWD", "CLF")] == [
        "JPY 1250",
        "EUR 12.50",
        "KWD 1.250",
        "CLF 0.1250",
    ]


def money_fields() -> list[tuple[Descriptor, FieldDescriptor]]:
    """Every top-level singular Money field of a request of any service in the contract."""
    found = []
    for path in sorted(GEN.glob("commerce/*/v1/*_service_pb2.py")):
        module = importlib.import_module(".".join(path.relative_to(GEN).with_suffix("").parts))
        for service in module.DESCRIPTOR.services_by_name.values():
            found += [
                (m.input_type, f)
                for m in service.methods
                for f in m.input_type.fields
                if f.message_type is not None and f.message_type.full_name == "commerce.type.v1.Money"
            ]
    return found


def test_the_sweep_finds_money_in_several_services() -> None:
    assert len({request.file.package for request, _ in money_fields()}) >= 3


@pytest.mark.parametrize(("request_type", "field"), money_fields(), ids=lambda item: getattr(item, "name", ""))
def test_unknown_currency_in_any_money_of_any_request_is_a_violation(request_type, field) -> None:
    request = GetMessageClass(request_type)(**{field.name: money_pb2.Money(currency_code="ZZZ", amount_minor=1)})

    assert [v.field for v in request_violations(request)] == [f"{field.name}.currency_code"]


@pytest.mark.parametrize(("request_type", "field"), money_fields(), ids=lambda item: getattr(item, "name", ""))
def test_amount_above_the_ceiling_in_any_money_of_any_request_is_a_violation(request_type, field) -> None:
    huge = money_pb2.Money(currency_code="EUR", amount_minor=INT64_MAX)
    request = GetMessageClass(request_type)(**{field.name: huge})

    assert [v.field for v in request_violations(request)] == [f"{field.name}.amount_minor"]


@pytest.mark.parametrize("amount", [AMOUNT_CEILING_MINOR, -AMOUNT_CEILING_MINOR, 1, 0])
def test_amounts_up_to_the_ceiling_are_accepted(amount: int) -> None:
    request = ps.CreatePaymentIntentRequest(amount=money_pb2.Money(currency_code="KWD", amount_minor=amount))

    assert request_violations(request) == []


@pytest.mark.parametrize("amount", [AMOUNT_CEILING_MINOR + 1, -AMOUNT_CEILING_MINOR - 1, -(2**63)])
def test_amounts_past_the_ceiling_either_way_are_refused(amount: int) -> None:
    request = ps.CreatePaymentIntentRequest(amount=money_pb2.Money(currency_code="JPY", amount_minor=amount))

    assert [v.field for v in request_violations(request)] == ["amount.amount_minor"]


def test_money_inside_a_repeated_field_is_checked_with_its_path() -> None:
    request = inv.CreateInvoiceRequest(
        line_items=[
            inv.CreateInvoiceRequest.LineItem(unit_amount=money_pb2.Money(currency_code="EUR", amount_minor=100)),
            inv.CreateInvoiceRequest.LineItem(unit_amount=money_pb2.Money(currency_code="ZZZ", amount_minor=100)),
        ]
    )

    assert [v.field for v in request_violations(request)] == ["line_items[1].unit_amount.currency_code"]


def test_plain_currency_code_fields_are_checked_too() -> None:
    assert [v.field for v in request_violations(cs.CreateCartRequest(currency_code="ZZZ"))] == ["currency_code"]
    assert request_violations(cs.CreateCartRequest(currency_code="JPY")) == []


def test_malformed_code_is_left_to_the_contracts_pattern_rule() -> None:
    # protovalidate already reports "euro"; a second violation on the same field would be noise.
    assert request_violations(ps.CreatePaymentIntentRequest(amount=money_pb2.Money(currency_code="euro"))) == []
