"""Purging expired idempotency records deletes exactly the expired ones."""

from __future__ import annotations

import datetime

from sqlalchemy import insert, select

from mesh.persistence import Database, idempotency_records, purge_expired_idempotency_records
from tests.integration.persistence.records import NOW, count_records, record

HOUR = datetime.timedelta(hours=1)


async def _insert(database: Database, rows: list[dict[str, object]]) -> None:
    async with database.transaction() as connection:
        await connection.execute(insert(idempotency_records), rows)


async def test_purge_deletes_expired_and_keeps_live_records(database: Database) -> None:
    await _insert(
        database,
        [
            record(request_id="expired", expires_at=NOW - HOUR),
            record(request_id="expires-now", expires_at=NOW),
            record(request_id="live", expires_at=NOW + HOUR),
        ],
    )

    purged = await purge_expired_idempotency_records(database, NOW)

    async with database.engine.connect() as connection:
        left = (await connection.execute(select(idempotency_records.c.request_id))).scalars().all()
    assert (purged, left) == (2, ["live"])


async def test_purge_in_small_batches_deletes_every_expired_record(database: Database) -> None:
    await _insert(database, [record(expires_at=NOW - HOUR) for _ in range(7)] + [record(expires_at=NOW + HOUR)])

    purged = await purge_expired_idempotency_records(database, NOW, batch_size=2)

    assert (purged, await count_records(database)) == (7, 1)


async def test_purge_twice_deletes_nothing_the_second_time(database: Database) -> None:
    await _insert(database, [record(expires_at=NOW - HOUR)])

    first = await purge_expired_idempotency_records(database, NOW)
    second = await purge_expired_idempotency_records(database, NOW)

    assert (first, second) == (1, 0)


async def test_purge_compares_instants_across_offsets(database: Database) -> None:
    await _insert(database, [record(expires_at=NOW - HOUR)])
    an_hour_and_a_half_earlier_in_new_york = (NOW - 1.5 * HOUR).astimezone(datetime.timezone(-5 * HOUR))

    purged = await purge_expired_idempotency_records(database, an_hour_and_a_half_earlier_in_new_york)

    assert purged == 0
