"""A database with the vault's table, on SQLite and on PostgreSQL (see tests/fixtures/databases.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mesh.persistence import Database
from services.payments.vault import vault_metadata


@pytest.fixture
async def vault_db(database_url: str) -> AsyncIterator[Database]:
    """An empty vault_cards table in this test's own database."""
    db = Database.from_url(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(vault_metadata.create_all)
    yield db
    await db.dispose()
