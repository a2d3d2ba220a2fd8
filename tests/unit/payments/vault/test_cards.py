"""Card validation, brand, last four and fingerprint; errors never repeat the number."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.payments.v1 import card_pb2
from mesh.errors import Code
from services.payments.vault import CardBrand, CardInvalid, brand_of, fingerprint, last4, luhn_valid, validate_card
from tests.unit.payments.vault.samples import (
    FINGERPRINT_KEY,
    STANDARD_CARDS,
    TODAY,
    assert_no_pan,
    cvc_for,
    valid_cards,
    with_check_digit,
)


def invalid(
    number: str = "4242424242424242",
    exp_month: int = 12,
    exp_year: int = 2030,
    cvc: str = "123",
    today: datetime.date = TODAY,
) -> CardInvalid:
    with pytest.raises(CardInvalid) as caught:
        validate_card(number, exp_month, exp_year, cvc, today=today)
    return caught.value


@pytest.mark.parametrize(("number", "brand"), STANDARD_CARDS)
def test_validate_card_accepts_standard_test_cards(number: str, brand: CardBrand) -> None:
    assert validate_card(number, 12, 2030, cvc_for(brand), today=TODAY) is brand


@pytest.mark.parametrize(("number", "brand"), STANDARD_CARDS)
def test_brand_of_standard_test_cards(number: str, brand: CardBrand) -> None:
    assert brand_of(number) is brand


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4", CardBrand.VISA),
        ("5100", CardBrand.MASTERCARD),
        ("5599", CardBrand.MASTERCARD),
        ("5000", CardBrand.OTHER),
        ("5600", CardBrand.OTHER),
        ("2221", CardBrand.MASTERCARD),
        ("2720", CardBrand.MASTERCARD),
        ("2220", CardBrand.OTHER),
        ("2721", CardBrand.OTHER),
        ("22", CardBrand.OTHER),
        ("34", CardBrand.AMEX),
        ("37", CardBrand.AMEX),
        ("35", CardBrand.OTHER),
        ("6011", CardBrand.DISCOVER),
        ("6012", CardBrand.OTHER),
        ("65", CardBrand.DISCOVER),
        ("644", CardBrand.DISCOVER),
        ("649", CardBrand.DISCOVER),
        ("643", CardBrand.OTHER),
        ("64", CardBrand.OTHER),
        ("", CardBrand.OTHER),
    ],
)
def test_brand_of_reads_the_iin_ranges(number: str, brand: CardBrand) -> None:
    assert brand_of(number + "0" * 12) is brand


@given(valid_cards())
def test_validate_card_accepts_every_luhn_valid_number_of_a_network_length(card: tuple[str, CardBrand]) -> None:
    number, brand = card
    assert validate_card(number, 12, 2030, cvc_for(brand), today=TODAY) is brand


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4242424242424241", False),
        ("79927398713", True),
        ("79927398710", False),
        ("0", True),
        ("18", True),
        ("10", False),
    ],
)
def test_luhn_valid_matches_the_mod_10_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@given(valid_cards(), st.integers(min_value=0, max_value=18), st.integers(min_value=1, max_value=9))
def test_luhn_catches_every_single_digit_change(card: tuple[str, CardBrand], position: int, delta: int) -> None:
    number = card[0]
    position %= len(number)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not luhn_valid(changed)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4242424242424241", "card number fails the Luhn check"),
        ("378282246310006", "card number fails the Luhn check"),
        ("4242 4242 4242 4242", "card number must contain only the digits 0-9"),
        ("4242-4242-4242-4242", "card number must contain only the digits 0-9"),
        ("４２４２４２４２４２４２４２４２", "card number must contain only the digits 0-9"),
        ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "card number must contain only the digits 0-9"),
        ("4242424242424242\n", "card number must contain only the digits 0-9"),
        ("", "card number must contain only the digits 0-9"),
        ("42424242424", "card number must have 12 to 19 digits"),
        (with_check_digit("4" * 19), "card number must have 12 to 19 digits"),
        (with_check_digit("4" * 14), "a Visa card number has 13, 16 or 19 digits"),
        (with_check_digit("4" * 11), "a Visa card number has 13, 16 or 19 digits"),
        (with_check_digit("5" * 14), "a Mastercard card number has 16 digits"),
        (with_check_digit("5" * 18), "a Mastercard card number has 16 digits"),
        (with_check_digit("37" + "0" * 13), "an American Express card number has 15 digits"),
        (with_check_digit("34" + "0" * 11), "an American Express card number has 15 digits"),
        (with_check_digit("6011" + "0" * 10), "a Discover card number has 16 to 19 digits"),
    ],
)
def test_validate_card_refuses_malformed_number(number: str, message: str) -> None:
    error = invalid(number=number)

    assert (error.field, error.message) == ("card_number", message)


def test_card_invalid_carries_the_payments_reason_and_field() -> None:
    error = invalid(number="4242424242424241")

    assert error.code is Code.INVALID_ARGUMENT
    assert (error.reason.name, error.reason.domain) == ("CARD_INVALID", "commerce.payments.v1")
    assert error.metadata == {"field": "card_number"}
    assert [(v.field, v.description) for v in error.violations] == [("card_number", "card number fails the Luhn check")]


def test_validate_card_reports_the_number_before_expiry_and_cvc() -> None:
    assert invalid(number="4242424242424241", exp_month=13, cvc="x").field == "card_number"
    assert invalid(exp_month=13, cvc="x").field == "exp_month"


@pytest.mark.parametrize(
    ("exp_month", "exp_year", "today"),
    [
        (3, 2026, datetime.date(2026, 3, 1)),
        (3, 2026, datetime.date(2026, 3, 31)),
        (4, 2026, datetime.date(2026, 3, 31)),
        (1, 2027, datetime.date(2026, 12, 31)),
        (12, 2100, datetime.date(2026, 3, 15)),
    ],
)
def test_validate_card_accepts_card_through_the_end_of_its_expiry_month(
    exp_month: int, exp_year: int, today: datetime.date
) -> None:
    assert validate_card("4242424242424242", exp_month, exp_year, "123", today=today) is CardBrand.VISA


@pytest.mark.parametrize(
    ("exp_month", "exp_year", "today", "field", "message"),
    [
        (3, 2026, datetime.date(2026, 4, 1), "exp_month", "card expired at the end of 2026-03"),
        (2, 2026, datetime.date(2026, 3, 15), "exp_month", "card expired at the end of 2026-02"),
        (12, 2025, datetime.date(2026, 1, 1), "exp_year", "card expired at the end of 2025"),
        (12, 2000, datetime.date(2026, 3, 15), "exp_year", "card expired at the end of 2000"),
        (0, 2030, TODAY, "exp_month", "expiry month must be from 1 to 12"),
        (13, 2030, TODAY, "exp_month", "expiry month must be from 1 to 12"),
        (-1, 2030, TODAY, "exp_month", "expiry month must be from 1 to 12"),
        (12, 30, TODAY, "exp_year", "expiry year must be a four-digit year from 2000 to 2100"),
        (12, 2101, TODAY, "exp_year", "expiry year must be a four-digit year from 2000 to 2100"),
    ],
)
def test_validate_card_refuses_bad_or_past_expiry(
    exp_month: int, exp_year: int, today: datetime.date, field: str, message: str
) -> None:
    error = invalid(exp_month=exp_month, exp_year=exp_year, today=today)

    assert (error.field, error.message) == (field, message)


@pytest.mark.parametrize(
    ("number", "cvc", "message"),
    [
        ("4242424242424242", "12", "CVC must be 3 digits"),
        ("4242424242424242", "1234", "CVC must be 3 digits"),
        ("4242424242424242", "12a", "CVC must be 3 digits"),
        ("4242424242424242", "", "CVC must be 3 digits"),
        ("4242424242424242", "１２３", "CVC must be 3 digits"),
        ("5555555555554444", "12 3", "CVC must be 3 digits"),
        ("6011111111111117", "0000", "CVC must be 3 digits"),
        ("378282246310005", "123", "CVC must be 4 digits for an American Express card"),
        ("378282246310005", "12345", "CVC must be 4 digits for an American Express card"),
    ],
)
def test_validate_card_refuses_cvc_of_wrong_shape(number: str, cvc: str, message: str) -> None:
    error = invalid(number=number, cvc=cvc)

    assert (error.field, error.message) == ("cvc", message)


@pytest.mark.parametrize(("number", "cvc"), [("4242424242424242", "000"), ("378282246310005", "0000")])
def test_validate_card_accepts_cvc_of_the_brand_length(number: str, cvc: str) -> None:
    assert validate_card(number, 12, 2030, cvc, today=TODAY) is brand_of(number)


@given(valid_cards(), st.sampled_from(["luhn", "length", "expiry", "month", "cvc"]))
def test_card_invalid_never_shows_the_number(card: tuple[str, CardBrand], flaw: str) -> None:
    number, brand = card
    arguments = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": cvc_for(brand)}
    if flaw == "luhn":
        arguments["number"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    elif flaw == "length":
        arguments["number"] = number + "0" * (20 - len(number))
    elif flaw == "expiry":
        arguments["exp_year"] = 2025
    elif flaw == "month":
        arguments["exp_month"] = 13
    else:
        arguments["cvc"] = "1"

    error = invalid(**arguments)

    shown = [
        str(error),
        repr(error),
        repr(error.args),
        repr(error.metadata),
        repr(error.violations),
        error.status.SerializeToString().decode("latin-1"),
    ]
    for text in shown:
        assert_no_pan(text, number)
        assert_no_pan(text, arguments["number"])


def test_last4_is_the_last_four_digits() -> None:
    assert last4("378282246310005") == "0005"


def test_fingerprint_is_stable_for_the_same_card_in_the_same_tenant() -> None:
    first = fingerprint("4242424242424242", "tenant-a", FINGERPRINT_KEY)

    assert fingerprint("4242424242424242", "tenant-a", FINGERPRINT_KEY) == first
    assert len(first) == 64 and set(first) <= set("0123456789abcdef")


@pytest.mark.parametrize(
    ("number", "tenant", "key"),
    [
        ("4000056655665556", "tenant-a", FINGERPRINT_KEY),
        ("4242424242424242", "tenant-b", FINGERPRINT_KEY),
        ("4242424242424242", "tenant-a", b"g" * 32),
    ],
)
def test_fingerprint_differs_by_card_tenant_and_key(number: str, tenant: str, key: bytes) -> None:
    assert fingerprint(number, tenant, key) != fingerprint("4242424242424242", "tenant-a", FINGERPRINT_KEY)


@given(valid_cards())
def test_fingerprint_never_shows_the_number(card: tuple[str, CardBrand]) -> None:
    assert_no_pan(fingerprint(card[0], "tenant-a", FINGERPRINT_KEY), card[0])


def test_every_card_brand_maps_to_the_contract_enum_by_name() -> None:
    contract = {name.removeprefix("CARD_BRAND_") for name in card_pb2.CardBrand.keys()} - {"UNSPECIFIED"}

    assert {brand.name for brand in CardBrand} == contract
