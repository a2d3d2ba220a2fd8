"""Database.from_url, SQLite connection set-up and error classification, without a server."""

from __future__ import annotations

import pathlib
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import exc, text

from mesh.persistence import Database, current_connection, is_unique_violation
from mesh.persistence.database import SQLITE_BUSY_TIMEOUT_MS


@pytest.fixture
async def sqlite_database(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    yield db
    await db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "mysql+aiomysql://user@localhost/db",
        "postgresql://postgres@localhost/db",
        "postgresql+psycopg://postgres@localhost/db",
        "sqlite:///mesh.db",
    ],
)
def test_from_url_refuses_unsupported_driver(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        Database.from_url(url)


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"])
def test_from_url_refuses_in_memory_sqlite(url: str) -> None:
    with pytest.raises(ValueError, match="file path"):
        Database.from_url(url)


async def test_dialect_names_postgresql_without_connecting() -> None:
    db = Database.from_url("postgresql+asyncpg://postgres@127.0.0.1:1/never_connected")

    assert db.dialect == "postgresql"
    await db.dispose()


async def test_dialect_names_sqlite(sqlite_database: Database) -> None:
    assert sqlite_database.dialect == "sqlite"


async def test_sqlite_connection_sets_pragmas(sqlite_database: Database) -> None:
    async with sqlite_database.transaction() as connection:
        pragmas = [
            (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")
        ]

    assert pragmas == [1, "wal", SQLITE_BUSY_TIMEOUT_MS, 2]


async def test_sqlite_transaction_holds_the_write_lock_before_any_write(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "locked.db"
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with db.transaction():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        await db.dispose()


def test_current_connection_is_none_outside_any_transaction() -> None:
    assert current_connection() is None


@pytest.mark.parametrize(
    "error",
    [
        ValueError("duplicate"),
        exc.OperationalError("INSERT", {}, Exception("database is locked")),
        exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
    ],
)
def test_is_unique_violation_needs_a_driver_unique_error(error: BaseException) -> None:
    assert not is_unique_violation(error)


async def test_transaction_rejoins_its_database_inside_another_databases_transaction(
    sqlite_database: Database, tmp_path: pathlib.Path
) -> None:
    other = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        async with sqlite_database.transaction() as outer:
            async with other.transaction() as other_connection:
                assert current_connection() is other_connection
                async with sqlite_database.transaction() as rejoined:
                    assert rejoined is outer
                    assert current_connection() is outer
                assert current_connection() is other_connection
            assert current_connection() is outer
    finally:
        await other.dispose()
