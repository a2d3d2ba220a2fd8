"""UtcDateTime stores one instant whatever the offset it was given, and reads it back in UTC."""

from __future__ import annotations

import datetime

from sqlalchemy import insert, select

from mesh.persistence import Database, idempotency_records
from tests.integration.persistence.records import record

PARIS_SUMMER = datetime.timezone(datetime.timedelta(hours=2))


async def test_timestamp_with_offset_reads_back_as_same_instant_in_utc(database: Database) -> None:
    given = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=PARIS_SUMMER)
    async with database.transaction() as connection:
        await connection.execute(insert(idempotency_records), record(request_id="req-1", expires_at=given))
        stored = (await connection.execute(select(idempotency_records.c.expires_at))).scalar_one()

    assert stored == given
    assert stored.utcoffset() == datetime.timedelta(0)


async def test_timestamps_in_different_offsets_order_by_instant(database: Database) -> None:
    earlier = datetime.datetime(2026, 7, 1, 11, 0, tzinfo=PARIS_SUMMER)  # 09:00 UTC
    later = datetime.datetime(2026, 7, 1, 9, 30, tzinfo=datetime.UTC)
    async with database.transaction() as connection:
        await connection.execute(
            insert(idempotency_records),
            [record(request_id="later", expires_at=later), record(request_id="earlier", expires_at=earlier)],
        )
        ordered = (
            (
                await connection.execute(
                    select(idempotency_records.c.request_id).order_by(idempotency_records.c.expires_at)
                )
            )
            .scalars()
            .all()
        )

    assert ordered == ["earlier", "later"]
