"""is_unique_violation tells a duplicate key from every other failure, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, exc, insert

from mesh.persistence import Database, idempotency_records, is_unique_violation
from tests.integration.persistence.records import record


async def test_duplicate_primary_key_is_a_unique_violation(database: Database) -> None:
    duplicate = record(request_id="req-1")
    async with database.transaction() as connection:
        await connection.execute(insert(idempotency_records), duplicate)

    with pytest.raises(exc.IntegrityError) as raised:
        async with database.transaction() as connection:
            await connection.execute(insert(idempotency_records), duplicate)

    assert is_unique_violation(raised.value)


async def test_duplicate_unique_column_is_a_unique_violation(database: Database) -> None:
    metadata = MetaData()
    table = Table(
        "unique_codes", metadata, Column("id", Integer, primary_key=True), Column("code", Integer, unique=True)
    )
    async with database.transaction() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(table), {"id": 1, "code": 7})

    with pytest.raises(exc.IntegrityError) as raised:
        async with database.transaction() as connection:
            await connection.execute(insert(table), {"id": 2, "code": 7})

    assert is_unique_violation(raised.value)


async def test_not_null_violation_is_not_a_unique_violation(database: Database) -> None:
    with pytest.raises(exc.IntegrityError) as raised:
        async with database.transaction() as connection:
            await connection.execute(insert(idempotency_records), record() | {"fingerprint": None})

    assert not is_unique_violation(raised.value)


async def test_foreign_key_violation_is_enforced_and_not_a_unique_violation(database: Database) -> None:
    metadata = MetaData()
    Table("parents", metadata, Column("id", Integer, primary_key=True))
    children = Table(
        "children",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", Integer, ForeignKey("parents.id"), nullable=False),
    )
    async with database.transaction() as connection:
        await connection.run_sync(metadata.create_all)

    with pytest.raises(exc.IntegrityError) as raised:
        async with database.transaction() as connection:
            await connection.execute(insert(children), {"id": 1, "parent_id": 404})

    assert not is_unique_violation(raised.value)
