"""Raw reads and writes of vault_cards for tests that inspect or tamper with stored rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from mesh.persistence import Database
from services.payments.vault import vault_cards


async def raw_row(db: Database, token: str) -> dict[str, Any]:
    async with db.engine.connect() as connection:
        row = (await connection.execute(select(vault_cards).where(vault_cards.c.token == token))).one()
    return dict(row._mapping)


async def count_rows(db: Database) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(vault_cards))).scalar_one()


async def overwrite(db: Database, token: str, **values: Any) -> None:
    async with db.transaction() as connection:
        await connection.execute(update(vault_cards).where(vault_cards.c.token == token).values(**values))
