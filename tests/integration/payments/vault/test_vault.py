"""The vault on SQLite and PostgreSQL: tokenize once per request_id, reveal within the tenant only,
no number or CVC in any row, repr or error, ciphertexts bound to their row, keys that rotate."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings

from mesh.errors import Code, DomainError
from mesh.ids import derive_id
from mesh.persistence import Database
from services.payments.vault import (
    CardBrand,
    CardForPsp,
    CardInvalid,
    CiphertextRejected,
    KeyRing,
    PaymentMethodNotFound,
    TokenizedCard,
    Vault,
    brand_of,
    fingerprint,
    load_card,
    rotate_all,
)
from tests.integration.payments.vault.rows import count_rows, overwrite, raw_row
from tests.unit.payments.vault.samples import (
    FINGERPRINT_KEY,
    NOW,
    TODAY,
    assert_no_pan,
    cvc_for,
    new_keys,
    ring,
    unique_tenant,
    valid_cards,
)

VISA = "4242424242424242"
AMEX = "378282246310005"


def new_vault(key_ring: KeyRing | None = None) -> Vault:
    return Vault(key_ring or ring(new_keys("k1"), "k1"), FINGERPRINT_KEY, clock=lambda: NOW)


async def tokenize(
    db: Database,
    vault: Vault,
    tenant: str,
    number: str = VISA,
    *,
    request_id: str | None = None,
    exp_month: int = 12,
    exp_year: int = 2030,
    cvc: str | None = None,
) -> TokenizedCard:
    async with db.transaction() as conn:
        return await vault.tokenize(
            conn,
            tenant,
            request_id or str(uuid.uuid4()),
            number,
            exp_month,
            exp_year,
            cvc or cvc_for(brand_of(number)),
            "Ada Lovelace",
            TODAY,
        )


async def reveal(db: Database, vault: Vault, tenant: str, token: str) -> CardForPsp:
    async with db.transaction() as conn:
        return await vault.reveal_for_psp(conn, tenant, token)


async def test_tokenize_returns_the_token_of_the_request_id_and_the_card_details(vault_db: Database) -> None:
    tenant, request_id = unique_tenant(), str(uuid.uuid4())

    card = await tokenize(vault_db, new_vault(), tenant, AMEX, request_id=request_id, exp_month=7, exp_year=2031)

    assert card == TokenizedCard(
        derive_id("tok", tenant, request_id),
        CardBrand.AMEX,
        "0005",
        7,
        2031,
        fingerprint(AMEX, tenant, FINGERPRINT_KEY),
    )
    assert card.token.startswith("tok_")


async def test_reveal_for_psp_returns_the_number_and_expiry(vault_db: Database) -> None:
    tenant, vault = unique_tenant(), new_vault()
    card = await tokenize(vault_db, vault, tenant, exp_month=3, exp_year=2026)

    revealed = await reveal(vault_db, vault, tenant, card.token)

    assert (revealed.pan, revealed.exp_month, revealed.exp_year) == (VISA, 3, 2026)


async def test_tokenize_twice_with_one_request_id_returns_one_token_and_writes_one_row(vault_db: Database) -> None:
    tenant, vault, request_id = unique_tenant(), new_vault(), str(uuid.uuid4())

    first = await tokenize(vault_db, vault, tenant, request_id=request_id)
    second = await tokenize(vault_db, vault, tenant, request_id=request_id)

    assert second == first
    assert await count_rows(vault_db) == 1


async def test_tokenize_at_once_with_one_request_id_returns_one_token_and_writes_one_row(vault_db: Database) -> None:
    tenant, vault, request_id = unique_tenant(), new_vault(), str(uuid.uuid4())

    first, second = await asyncio.gather(
        tokenize(vault_db, vault, tenant, request_id=request_id),
        tokenize(vault_db, vault, tenant, request_id=request_id),
    )

    assert first == second
    assert await count_rows(vault_db) == 1


@pytest.mark.parametrize("change", [{"number": "5555555555554444"}, {"exp_year": 2031}, {"exp_month": 11}])
async def test_tokenize_refuses_a_request_id_reused_for_another_card(
    vault_db: Database, change: dict[str, object]
) -> None:
    tenant, vault, request_id = unique_tenant(), new_vault(), str(uuid.uuid4())
    first = await tokenize(vault_db, vault, tenant, request_id=request_id)

    with pytest.raises(DomainError) as caught:
        await tokenize(vault_db, vault, tenant, request_id=request_id, **change)  # type: ignore[arg-type]

    assert (caught.value.code, caught.value.reason.name) == (Code.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED")
    assert caught.value.metadata == {"request_id": request_id}
    assert (await reveal(vault_db, vault, tenant, first.token)).pan == VISA
    assert await count_rows(vault_db) == 1


async def test_tokenize_the_same_card_twice_gives_two_tokens_with_one_fingerprint(vault_db: Database) -> None:
    tenant, vault = unique_tenant(), new_vault()

    first = await tokenize(vault_db, vault, tenant)
    second = await tokenize(vault_db, vault, tenant)

    assert first.token != second.token
    assert first.fingerprint == second.fingerprint


async def test_tokenize_the_same_card_in_two_tenants_gives_unrelated_fingerprints(vault_db: Database) -> None:
    vault = new_vault()

    first = await tokenize(vault_db, vault, unique_tenant())
    second = await tokenize(vault_db, vault, unique_tenant())

    assert first.fingerprint != second.fingerprint


async def test_tokenize_refuses_an_invalid_card_and_stores_nothing(vault_db: Database) -> None:
    with pytest.raises(CardInvalid) as caught:
        await tokenize(vault_db, new_vault(), unique_tenant(), "4242424242424241")

    assert caught.value.metadata == {"field": "card_number"}
    assert await count_rows(vault_db) == 0


async def test_reveal_for_psp_of_an_unknown_token_is_not_found(vault_db: Database) -> None:
    with pytest.raises(PaymentMethodNotFound) as caught:
        await reveal(vault_db, new_vault(), unique_tenant(), "tok_missing")

    error = caught.value
    assert error.code is Code.NOT_FOUND
    assert (error.reason.name, error.reason.domain) == ("PAYMENT_METHOD_NOT_FOUND", "commerce.payments.v1")
    assert (error.message, error.metadata) == ("payment method tok_missing not found", {"token": "tok_missing"})


async def test_reveal_for_psp_of_another_tenants_token_is_not_found(vault_db: Database) -> None:
    vault = new_vault()
    card = await tokenize(vault_db, vault, unique_tenant())

    with pytest.raises(PaymentMethodNotFound) as caught:
        await reveal(vault_db, vault, unique_tenant(), card.token)

    assert caught.value.message == f"payment method {card.token} not found"


async def test_stored_row_holds_neither_the_number_nor_the_cvc(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1")
    card = await tokenize(vault_db, new_vault(ring(keys, "k1")), tenant, AMEX, cvc="9173")

    row = await raw_row(vault_db, card.token)

    assert all(AMEX.encode() not in value for value in (row["nonce"], row["ciphertext"]))
    assert all(b"9173" not in value for value in (row["nonce"], row["ciphertext"]))
    assert_no_pan(repr(row), AMEX)
    async with vault_db.transaction() as conn:
        record = await load_card(conn, tenant, card.token)
    assert record is not None and ring(keys, "k1").decrypt(record.sealed) == AMEX  # the CVC is not sealed in either
    assert row["fingerprint"] == fingerprint(AMEX, tenant, FINGERPRINT_KEY)
    assert (row["last4"], row["brand"], row["key_id"], row["created_at"]) == ("0005", "amex", "k1", NOW)


async def test_ciphertexts_swapped_between_tokens_fail_to_decrypt(vault_db: Database) -> None:
    tenant, vault = unique_tenant(), new_vault()
    visa, amex = await tokenize(vault_db, vault, tenant, VISA), await tokenize(vault_db, vault, tenant, AMEX)
    visa_row, amex_row = await raw_row(vault_db, visa.token), await raw_row(vault_db, amex.token)

    await overwrite(vault_db, visa.token, nonce=amex_row["nonce"], ciphertext=amex_row["ciphertext"])
    await overwrite(vault_db, amex.token, nonce=visa_row["nonce"], ciphertext=visa_row["ciphertext"])

    for token in (visa.token, amex.token):
        with pytest.raises(CiphertextRejected):
            await reveal(vault_db, vault, tenant, token)


async def test_a_row_moved_to_another_tenant_fails_to_decrypt(vault_db: Database) -> None:
    tenant, other, vault = unique_tenant(), unique_tenant(), new_vault()
    card = await tokenize(vault_db, vault, tenant)

    await overwrite(vault_db, card.token, tenant=other)

    with pytest.raises(CiphertextRejected):
        await reveal(vault_db, vault, other, card.token)


async def test_cards_sealed_under_k1_still_reveal_after_rotation_to_k2_and_retiring_k1(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1", "k2")
    cards = [await tokenize(vault_db, new_vault(ring(keys, "k1")), tenant, number) for number in (VISA, AMEX)]

    assert await rotate_all(vault_db, ring(keys, "k2", "k1"), batch=1) == 2

    after = new_vault(ring(keys, "k2"))
    assert [(await reveal(vault_db, after, tenant, card.token)).pan for card in cards] == [VISA, AMEX]
    assert {(await raw_row(vault_db, card.token))["key_id"] for card in cards} == {"k2"}


async def test_old_keys_reveal_and_new_cards_use_the_active_key_before_rotation(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1", "k2")
    old = await tokenize(vault_db, new_vault(ring(keys, "k1")), tenant)
    vault = new_vault(ring(keys, "k2", "k1"))

    new = await tokenize(vault_db, vault, tenant, AMEX)

    assert (await reveal(vault_db, vault, tenant, old.token)).pan == VISA
    assert (await raw_row(vault_db, new.token))["key_id"] == "k2"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=valid_cards())
async def test_nothing_the_vault_returns_shows_the_number(vault_db: Database, card: tuple[str, CardBrand]) -> None:
    number, brand = card
    tenant, vault = unique_tenant(), new_vault()

    tokenized = await tokenize(vault_db, vault, tenant, number, cvc=cvc_for(brand))
    revealed = await reveal(vault_db, vault, tenant, tokenized.token)
    async with vault_db.transaction() as conn:
        record = await load_card(conn, tenant, tokenized.token)

    assert revealed.pan == number
    for shown in (repr(tokenized), str(tokenized), repr(revealed), str(revealed), repr(record)):
        assert_no_pan(shown, number)
