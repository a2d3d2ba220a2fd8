"""vault_cards on SQLite and PostgreSQL: insert once per token, tenant-scoped loads, batch rotation."""

from __future__ import annotations

import asyncio

import pytest

from mesh.persistence import Database
from services.payments.vault import CardBrand, CardRecord, KeyRing, UnknownKey, insert_card, load_card, rotate_all
from tests.integration.payments.vault.rows import count_rows, raw_row
from tests.unit.payments.vault.samples import NOW, new_keys, ring, unique_tenant


def card_record(key_ring: KeyRing, tenant: str, token: str, number: str = "4242424242424242") -> CardRecord:
    sealed = key_ring.encrypt(number, tenant=tenant, token=token)
    return CardRecord(sealed, "ab" * 32, CardBrand.VISA, number[-4:], 12, 2030, NOW)


async def insert_all(db: Database, records: list[CardRecord]) -> None:
    async with db.transaction() as conn:
        for record in records:
            assert await insert_card(conn, record)


async def test_load_card_returns_what_insert_card_stored(vault_db: Database) -> None:
    tenant = unique_tenant()
    record = card_record(ring(new_keys("k1"), "k1"), tenant, "tok_one")

    await insert_all(vault_db, [record])
    async with vault_db.transaction() as conn:
        loaded = await load_card(conn, tenant, "tok_one")

    assert loaded == record


async def test_load_card_finds_nothing_for_another_tenant_or_an_unknown_token(vault_db: Database) -> None:
    tenant = unique_tenant()
    await insert_all(vault_db, [card_record(ring(new_keys("k1"), "k1"), tenant, "tok_one")])

    async with vault_db.transaction() as conn:
        assert await load_card(conn, unique_tenant(), "tok_one") is None
        assert await load_card(conn, tenant, "tok_two") is None


async def test_insert_card_twice_with_one_token_keeps_the_first_row(vault_db: Database) -> None:
    tenant, key_ring = unique_tenant(), ring(new_keys("k1"), "k1")
    first = card_record(key_ring, tenant, "tok_one")
    await insert_all(vault_db, [first])

    async with vault_db.transaction() as conn:
        inserted = await insert_card(conn, card_record(key_ring, tenant, "tok_one", "5555555555554444"))

    assert not inserted
    assert await count_rows(vault_db) == 1
    assert (await raw_row(vault_db, "tok_one"))["ciphertext"] == first.sealed.ciphertext


async def test_rotate_all_reseals_every_row_off_the_active_key(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1", "k2")
    old = [card_record(ring(keys, "k1"), tenant, f"tok_{index}") for index in range(5)]
    current = card_record(ring(keys, "k2"), tenant, "tok_current")
    await insert_all(vault_db, [*old, current])

    rotated = await rotate_all(vault_db, ring(keys, "k2", "k1"), batch=2)

    assert rotated == 5
    async with vault_db.transaction() as conn:
        loaded = [await load_card(conn, tenant, record.token) for record in old]
    assert {record.sealed.key_id for record in loaded if record} == {"k2"}
    assert [ring(keys, "k2").decrypt(record.sealed) for record in loaded if record] == ["4242424242424242"] * 5
    assert (await raw_row(vault_db, "tok_current"))["nonce"] == current.sealed.nonce


async def test_rotate_all_twice_rotates_nothing_the_second_time(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1", "k2")
    await insert_all(vault_db, [card_record(ring(keys, "k1"), tenant, f"tok_{index}") for index in range(3)])

    assert await rotate_all(vault_db, ring(keys, "k2", "k1"), batch=10) == 3
    assert await rotate_all(vault_db, ring(keys, "k2", "k1"), batch=10) == 0


async def test_rotate_all_run_twice_at_once_reseals_each_row_once(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k1", "k2")
    await insert_all(vault_db, [card_record(ring(keys, "k1"), tenant, f"tok_{index:02d}") for index in range(12)])
    key_ring = ring(keys, "k2", "k1")

    counts = await asyncio.gather(rotate_all(vault_db, key_ring, batch=3), rotate_all(vault_db, key_ring, batch=3))

    assert sum(counts) == 12
    assert await rotate_all(vault_db, ring(keys, "k2"), batch=3) == 0


async def test_rotate_all_refuses_rows_on_a_retired_key_and_writes_nothing_of_their_batch(vault_db: Database) -> None:
    tenant, keys = unique_tenant(), new_keys("k0", "k1", "k2")
    await insert_all(
        vault_db, [card_record(ring(keys, "k1"), tenant, "tok_a"), card_record(ring(keys, "k0"), tenant, "tok_b")]
    )

    with pytest.raises(UnknownKey, match="vault key 'k0' of token tok_b"):
        await rotate_all(vault_db, ring(keys, "k2", "k1"), batch=10)

    assert (await raw_row(vault_db, "tok_a"))["key_id"] == "k1"


async def test_rotate_all_refuses_an_empty_batch(vault_db: Database) -> None:
    with pytest.raises(ValueError, match="batch must be at least 1"):
        await rotate_all(vault_db, ring(new_keys("k1"), "k1"), batch=0)
