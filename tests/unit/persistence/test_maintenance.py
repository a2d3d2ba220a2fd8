"""purge_expired_idempotency_records refuses arguments that would purge the wrong rows."""

from __future__ import annotations

import datetime
import pathlib
from collections.abc import AsyncIterator

import pytest

from mesh.persistence import Database, purge_expired_idempotency_records


@pytest.fixture
async def unmigrated_database(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    yield db
    await db.dispose()


async def test_purge_refuses_a_naive_now(unmigrated_database: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        await purge_expired_idempotency_records(unmigrated_database, datetime.datetime(2026, 1, 12, 9, 30))


async def test_purge_refuses_an_empty_batch(unmigrated_database: Database) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        await purge_expired_idempotency_records(unmigrated_database, datetime.datetime.now(datetime.UTC), batch_size=0)
