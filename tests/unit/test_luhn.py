"""mesh.luhn: the one Luhn implementation, and card numbers found in text as people paste them."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesh.luhn import card_number_spans, contains_card_number, luhn_valid
from tests.unit.telemetry.cards import AMEX, ORDER_NUMBER, VISA, grouped, luhn_check_digit
from tests.unit.telemetry.cards import luhn_valid as reference_luhn_valid

TWELVE_DIGIT_CARD = "50000000000" + luhn_check_digit("50000000000")  # Maestro cards can be 12 digits


@given(st.text(string.digits, max_size=25))
def test_luhn_valid_agrees_with_an_independent_implementation(digits: str) -> None:
    assert luhn_valid(digits) == reference_luhn_valid(digits)


@pytest.mark.parametrize("written", [VISA, grouped(VISA, " "), grouped(VISA, "-"), AMEX, TWELVE_DIGIT_CARD])
def test_card_number_is_found_plain_or_grouped(written: str) -> None:
    assert contains_card_number(f"please charge {written} thanks")


@pytest.mark.parametrize(
    "text",
    [
        f"order {ORDER_NUMBER}",  # 16 digits failing Luhn
        TWELVE_DIGIT_CARD[:-1],  # 11 digits: too short for a card
        VISA + "0000",  # one unseparated 20-digit run is judged whole: too long for a card
        "4111  1111  1111  1111",  # two separators between groups: not how cards are written
        "",
    ],
)
def test_text_without_a_card_number_is_not_flagged(text: str) -> None:
    assert not contains_card_number(text)


def test_card_is_cut_out_of_a_longer_spaced_run() -> None:
    text = f"qty 2 {grouped(VISA, ' ')}"

    assert (text.index("4111"), len(text)) in card_number_spans(text)


def test_card_glued_to_letters_is_found() -> None:
    assert contains_card_number(f"pan{VISA}x")


def test_minimum_length_can_be_raised() -> None:
    assert contains_card_number(TWELVE_DIGIT_CARD)
    assert not contains_card_number(TWELVE_DIGIT_CARD, min_digits=13)
    assert contains_card_number(VISA, min_digits=13)


@given(st.text(string.digits + " -ab", max_size=60))
def test_contains_card_number_is_whether_any_span_is_found(text: str) -> None:
    assert contains_card_number(text) == bool(card_number_spans(text))


@given(st.text(string.digits + " -", max_size=60))
def test_every_span_is_a_luhn_valid_card_length_number(text: str) -> None:
    for start, end in card_number_spans(text):
        digits = "".join(char for char in text[start:end] if char.isdigit())
        assert 12 <= len(digits) <= 19 and reference_luhn_valid(digits)
