"""The durable guard: one row per key in the service's own database.

The row is inserted in the same transaction as the handler's effects, under a primary key of
(tenant, method, request_id). Two executions of one key can therefore never both commit: the
second fails on the key, rolls back its effects and replays the first's outcome. This holds
after a Redis flush or failover, which is why the fast path is only an optimisation.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.idempotency.keys import IdempotencyKey
from mesh.idempotency.outcome import Outcome
from mesh.persistence.tables import idempotency_records as records


def _where(key: IdempotencyKey):
    return sa.and_(records.c.tenant == key.tenant, records.c.method == key.method,
                   records.c.request_id == key.request_id)


async def load(conn: AsyncConnection, key: IdempotencyKey, now: datetime.datetime) -> Outcome | None:
    """The stored outcome of `key`; an expired row is deleted and reads as absent."""
    row = (await conn.execute(sa.select(records).where(_where(key)))).first()
    if row is None:
        return None
    if row.expires_at <= now:
        await conn.execute(sa.delete(records).where(_where(key)))
        return None
    return Outcome(row.fingerprint, row.status_code, row.response, row.status)


async def insert(conn: AsyncConnection, key: IdempotencyKey, outcome: Outcome, now: datetime.datetime,
                 ttl: datetime.timedelta) -> None:
    """Record the outcome; raises a unique violation when another execution already did."""
    await conn.execute(sa.insert(records).values(
        tenant=key.tenant, method=key.method, request_id=key.request_id, fingerprint=outcome.fingerprint,
        status_code=outcome.status_code, response=outcome.response, status=outcome.status,
        created_at=now, expires_at=now + ttl,
    ))


