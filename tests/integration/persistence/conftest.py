"""Fixtures of the persistence tests that need SQLite itself (its write lock, its file)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest

from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate


@pytest.fixture
def sqlite_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "writer.db"


@pytest.fixture
async def sqlite_db(sqlite_path: pathlib.Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a file of this test's own."""
    db = Database.from_url(f"sqlite+aiosqlite:///{sqlite_path}")
    await migrate(db, RUNTIME_MIGRATIONS)
    yield db
    await db.dispose()
