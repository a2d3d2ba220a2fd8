"""The vault's table and its reads and writes.

`vault_cards` holds one row per token: the card number sealed (crypto.SealedPan) and what may be
shown about the card. There is no column for the CVC, nor for the cardholder's name: the vault
keeps nothing it does not need. The table lives on its own MetaData (`vault_metadata`) with the
runtime's naming convention; the payments service's migrations create it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Integer, LargeBinary, MetaData, Row, String, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.persistence import NAMING_CONVENTION, Database, UtcDateTime, insert_for
from services.payments.vault.cards import CardBrand
from services.payments.vault.crypto import KeyRing, SealedPan

__all__ = ["CardRecord", "insert_card", "load_card", "rotate_all", "vault_cards", "vault_metadata"]

vault_metadata = MetaData(naming_convention=NAMING_CONVENTION)

vault_cards = Table(
    "vault_cards",
    vault_metadata,
    Column("token", String(64), primary_key=True),  # derived from (tenant, request_id)
    Column("tenant", String(64), nullable=False),  # every read filters on it: tenants never see each other's cards
    Column("key_id", String(32), nullable=False),  # the ring key that sealed the number
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),  # AES-256-GCM of the number, tag appended
    Column("fingerprint", String(64), nullable=False),  # keyed hash: same card, same tenant, same value
    Column("brand", String(16), nullable=False),  # a CardBrand value
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


@dataclasses.dataclass(frozen=True)
class CardRecord:
    """One stored card: the sealed number (which carries tenant and token) and its display data."""

    sealed: SealedPan
    fingerprint: str
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int
    created_at: datetime.datetime

    @property
    def token(self) -> str:
        return self.sealed.token

    @property
    def tenant(self) -> str:
        return self.sealed.tenant


async def insert_card(conn: AsyncConnection, record: CardRecord) -> bool:
    """Store a card; False (and nothing written) when its token already exists."""
    statement = (
        insert_for(conn.dialect.name, vault_cards)
        .values(_row_of(record))
        .on_conflict_do_nothing(index_elements=[vault_cards.c.token])
        .returning(vault_cards.c.token)
    )  # a row back means inserted: rowcount of an INSERT is not portable
    return (await conn.execute(statement)).first() is not None


_SELECT_CARD = select(vault_cards).where(
    vault_cards.c.tenant == bindparam("p_tenant"), vault_cards.c.token == bindparam("p_token")
)  # built once


async def load_card(conn: AsyncConnection, tenant: str, token: str) -> CardRecord | None:
    """The card of `token` in `tenant`; None when it does not exist there (even in another tenant)."""
    row = (await conn.execute(_SELECT_CARD, {"p_tenant": tenant, "p_token": token})).one_or_none()
    return _record_of(row) if row is not None else None


async def rotate_all(db: Database, key_ring: KeyRing, batch: int) -> int:
    """Re-seal every card not on the ring's active key, `batch` rows per transaction; return how many.

    One pass in token order, each batch locked (FOR UPDATE on PostgreSQL) while it is re-sealed,
    so it runs beside live traffic and can be stopped and restarted at any time. A row on a key
    missing from the ring raises crypto.UnknownKey: retire a key only after this returns.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    rotated, after = 0, ""
    while True:
        async with db.transaction() as conn:
            records = await _records_to_rotate(conn, key_ring.active_key_id, after, batch)
            for record in records:
                rotated += await _store_resealed(conn, record.sealed, key_ring.rotate(record.sealed))
        # Not "fewer than batch": PostgreSQL drops rows that a concurrent rotation re-sealed while
        # this one waited on their locks, so a short batch does not mean the end.
        if not records:
            return rotated
        after = records[-1].token


async def _records_to_rotate(conn: AsyncConnection, active_key_id: str, after: str, batch: int) -> Sequence[CardRecord]:
    query = (
        select(vault_cards)
        .where(vault_cards.c.key_id != active_key_id, vault_cards.c.token > after)
        .order_by(vault_cards.c.token)
        .limit(batch)
        .with_for_update()
    )
    return [_record_of(row) for row in await conn.execute(query)]


async def _store_resealed(conn: AsyncConnection, old: SealedPan, new: SealedPan) -> int:
    # Guarded by the old key id: a row re-sealed by a concurrent rotation is left alone.
    result = await conn.execute(
        update(vault_cards)
        .where(vault_cards.c.token == old.token, vault_cards.c.key_id == old.key_id)
        .values(key_id=new.key_id, nonce=new.nonce, ciphertext=new.ciphertext)
    )
    return result.rowcount


def _row_of(record: CardRecord) -> dict[str, Any]:
    return {
        "token": record.token,
        "tenant": record.tenant,
        "key_id": record.sealed.key_id,
        "nonce": record.sealed.nonce,
        "ciphertext": record.sealed.ciphertext,
        "fingerprint": record.fingerprint,
        "brand": record.brand.value,
        "last4": record.last4,
        "exp_month": record.exp_month,
        "exp_year": record.exp_year,
        "created_at": record.created_at,
    }


def _record_of(row: Row[Any]) -> CardRecord:
    sealed = SealedPan(row.tenant, row.token, row.key_id, bytes(row.nonce), bytes(row.ciphertext))
    return CardRecord(
        sealed, row.fingerprint, CardBrand(row.brand), row.last4, row.exp_month, row.exp_year, row.created_at
    )
