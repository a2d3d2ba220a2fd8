"""Housekeeping of the runtime's tables: expired idempotency records are deleted in batches.

A key is honoured until its `expires_at`; after that a retry with the same request_id is a new
request, so the record only costs space. Deleting in bounded batches, each in its own
transaction, keeps SQLite's write lock and PostgreSQL's row locks short while requests run.
"""

from __future__ import annotations

import datetime

from sqlalchemy import delete, select, tuple_

from mesh.persistence.database import Database
from mesh.persistence.tables import idempotency_records

__all__ = ["purge_expired_idempotency_records"]

DEFAULT_BATCH_SIZE = 1000


async def purge_expired_idempotency_records(
    db: Database, now: datetime.datetime, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Delete every record whose expires_at is at or before `now`; return how many went."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    primary_key = tuple_(*idempotency_records.primary_key.columns)
    expired = (
        select(*idempotency_records.primary_key.columns)
        .where(idempotency_records.c.expires_at <= now)
        .limit(batch_size)
    )
    purged = 0
    while True:
        async with db.transaction() as connection:
            result = await connection.execute(delete(idempotency_records).where(primary_key.in_(expired)))
        purged += result.rowcount
        if result.rowcount < batch_size:
            return purged
