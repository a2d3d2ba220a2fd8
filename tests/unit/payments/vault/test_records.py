"""What the vault hands out and stores: reprs that never show a number, a table with no CVC."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from mesh.persistence import NAMING_CONVENTION
from services.payments.vault import (
    CardBrand,
    CardForPsp,
    CardRecord,
    KeyRing,
    TokenizedCard,
    Vault,
    vault_cards,
    vault_metadata,
)
from tests.unit.payments.vault.samples import FINGERPRINT_KEY, NOW, assert_no_pan, new_keys, ring, valid_cards


@given(valid_cards())
def test_card_for_psp_repr_and_str_show_only_the_last_four_digits(card: tuple[str, CardBrand]) -> None:
    revealed = CardForPsp(card[0], 12, 2030)

    assert repr(revealed) == str(revealed) == f"CardForPsp(pan='****{card[0][-4:]}', exp_month=12, exp_year=2030)"
    assert f"{revealed}" == str(revealed)
    assert_no_pan(repr([revealed]), card[0])


def test_card_for_psp_still_gives_the_number_to_its_reader() -> None:
    assert CardForPsp("4242424242424242", 12, 2030).pan == "4242424242424242"


@given(valid_cards())
def test_card_record_repr_never_shows_the_number(card: tuple[str, CardBrand]) -> None:
    sealed = ring(new_keys("k1"), "k1").encrypt(card[0], tenant="tenant-a", token="tok_abc")
    record = CardRecord(sealed, "ab" * 32, card[1], card[0][-4:], 12, 2030, NOW)

    assert_no_pan(repr(record), card[0])
    assert "nonce" not in repr(record) and "ciphertext" not in repr(record)


def test_tokenized_card_has_no_number_or_cvc_field() -> None:
    assert [field.name for field in dataclasses.fields(TokenizedCard)] == [
        "token",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "fingerprint",
    ]


def test_vault_cards_has_no_column_for_the_cvc_or_the_cardholder_name() -> None:
    assert [column.name for column in vault_cards.columns] == [
        "token",
        "tenant",
        "key_id",
        "nonce",
        "ciphertext",
        "fingerprint",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "created_at",
    ]
    assert [column.name for column in vault_cards.primary_key] == ["token"]


def test_vault_metadata_uses_the_runtime_naming_convention() -> None:
    assert vault_metadata.naming_convention == NAMING_CONVENTION
    assert vault_cards.primary_key.name == "pk_vault_cards"
    assert list(vault_metadata.tables) == ["vault_cards"]


def test_vault_refuses_a_short_fingerprint_key() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Vault(KeyRing(new_keys("k1"), active="k1"), FINGERPRINT_KEY[:31])
