"""One card brand, one brand detection and one Luhn for the vault and the sandbox PSPs."""

from __future__ import annotations

import pytest

from mesh import luhn
from services.payments import card_numbers, psp, vault
from services.payments.psp import cards as psp_cards
from tests.unit.payments.vault.samples import STANDARD_CARDS, TODAY, cvc_for


def test_the_vault_and_the_psps_share_one_brand_and_one_detector() -> None:
    assert vault.CardBrand is psp.CardBrand is card_numbers.CardBrand
    assert vault.brand_of is psp_cards.brand_of is card_numbers.brand_of


def test_there_is_one_luhn() -> None:
    assert vault.luhn_valid is psp_cards.luhn_valid is luhn.luhn_valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4242424242424241", False),  # fails Luhn
        ("424242424242", True),  # 12 digits: the shortest issued
        ("42424242420", False),  # 11 digits, Luhn-valid
        ("4000000000000000006", True),  # 19 digits
        ("40000000000000000002", False),  # 20 digits, Luhn-valid
        ("4242 4242 4242 4242", False),  # as typed: the caller strips separators
        ("", False),
    ],
)
def test_is_card_number_is_ascii_digits_of_a_card_length_passing_luhn(number: str, valid: bool) -> None:
    assert card_numbers.is_card_number(number) is valid


@pytest.mark.parametrize(("number", "brand"), STANDARD_CARDS)
def test_the_sandbox_sees_the_brand_the_vault_validated(number: str, brand: card_numbers.CardBrand) -> None:
    assert psp_cards.brand_of(number) is vault.validate_card(number, 12, 2030, cvc_for(brand), today=TODAY) is brand
