"""The durable guard: one row per key in the service's own database, written before the handler.

The row is committed first, under a primary key of (tenant, method, request_id), with an owner
and a lock: two executions of one key can never both hold it. The handler then runs in atomic
phases (phases.py), each advancing the row's recovery point in its own transaction, and the
outcome is stored last. Every write after the claim is fenced on the owner, so an execution that
lost its lock (it stalled past locked_until and another took over) can no longer commit: the
write raises LockLost, and its transaction rolls back. This holds after a Redis flush or
failover, which is why the fast path is only an optimisation.

The fenced writes are batched (mesh.persistence.batched_write): inside a PostgreSQL transaction
they go with the phase's own writes in one round trip, and LockLost is raised when they are sent
(by the transaction's next statement or its COMMIT), not when they are called.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.idempotency.keys import IdempotencyKey
from mesh.idempotency.outcome import Outcome
from mesh.persistence import batched_write
from mesh.persistence.tables import idempotency_records as records
from mesh.persistence.upserts import DIALECTS, insert_for

STARTED = "started"
FINISHED = "finished"

_KEY = sa.and_(
    records.c.tenant == sa.bindparam("k_tenant"),
    records.c.method == sa.bindparam("k_method"),
    records.c.request_id == sa.bindparam("k_request_id"),
)
_FENCED = sa.and_(_KEY, records.c.owner == sa.bindparam("k_owner"))
_SELECT_LOCKED = sa.select(records).where(_KEY).with_for_update()
_DELETE = sa.delete(records).where(_KEY)
# The hot statements are built once, values as parameters: building and hashing a statement on
# every request cost more CPU than executing it (bench/hot_path.py).
_INSERT_NEW = {
    dialect: insert_for(dialect, records)
    .values(
        tenant=sa.bindparam("k_tenant"),
        method=sa.bindparam("k_method"),
        request_id=sa.bindparam("k_request_id"),
        fingerprint=sa.bindparam("fingerprint"),
        status_code=None,
        created_at=sa.bindparam("created_at"),
        expires_at=sa.bindparam("expires_at"),
        recovery_point=STARTED,
        owner=sa.bindparam("owner"),
        locked_until=sa.bindparam("locked_until"),
    )
    .on_conflict_do_nothing(index_elements=["tenant", "method", "request_id"])
    .returning(records.c.request_id)
    for dialect in DIALECTS
}
_ADVANCE = (
    sa.update(records)
    .where(_FENCED)
    .values(
        recovery_point=sa.bindparam("recovery_point"),
        locked_until=sa.bindparam("locked_until"),
    )
    .returning(records.c.request_id)
)
_FINISH = (
    sa.update(records)
    .where(_FENCED)
    .values(
        recovery_point=FINISHED,
        status_code=sa.bindparam("status_code"),
        response=sa.bindparam("response"),
        status=sa.bindparam("status"),
        owner=None,
        locked_until=None,
        expires_at=sa.bindparam("expires_at"),
    )
    .returning(records.c.request_id)
)
_UNLOCK = (
    sa.update(records)
    .where(_FENCED)
    .values(owner=None, locked_until=sa.bindparam("locked_until"), recovery_point=sa.bindparam("recovery_point"))
    .returning(records.c.request_id)
)
_TAKE_OVER = (
    sa.update(records).where(_KEY).values(owner=sa.bindparam("owner"), locked_until=sa.bindparam("locked_until"))
)


class LockLost(Exception):
    """This execution stalled past its lock and another took the key over: it must stop."""


class Held(enum.Enum):
    NEW = "new"  # nobody had the key: execute from the start
    RESUMED = "resumed"  # an execution that died left it: resume from its recovery point
    IN_PROGRESS = "in_progress"  # a live execution holds it
    COMPLETED = "completed"  # finished: replay the outcome
    MISMATCH = "mismatch"  # the key was used with a different request


@dataclasses.dataclass(frozen=True)
class Claimed:
    held: Held
    recovery_point: str = STARTED
    outcome: Outcome | None = None


@dataclasses.dataclass(frozen=True)
class Lease:
    """Who holds a key, and the clock and limits its writes use."""

    key: IdempotencyKey
    owner: str
    lock_ttl: datetime.timedelta
    ttl: datetime.timedelta


async def insert_new(conn: AsyncConnection, lease: Lease, fp: str, now: datetime.datetime) -> bool:
    """Insert the running row of a key nobody holds; False when a row exists (see claim)."""
    return await _inserted(conn, lease, fp, now)


async def claim(conn: AsyncConnection, lease: Lease, fp: str, now: datetime.datetime) -> Claimed:
    """What the existing row of a key means for this request (insert_new found one), under its
    lock; a row that expired or was purged meanwhile is replaced by this request's."""
    row = (await conn.execute(_SELECT_LOCKED, _params(lease.key))).first()
    if row is None or row.expires_at <= now:
        await conn.execute(_DELETE, _params(lease.key))
        await _inserted(conn, lease, fp, now)
        return Claimed(Held.NEW)
    return await _existing(conn, lease, fp, row, now)


async def advance(conn: AsyncConnection, lease: Lease, point: str, now: datetime.datetime) -> None:
    """Record `point` and renew the lock; LockLost when this execution no longer holds the key."""
    await _fenced(conn, _ADVANCE, lease, recovery_point=point, locked_until=now + lease.lock_ttl)


async def finish(conn: AsyncConnection, lease: Lease, outcome: Outcome, now: datetime.datetime) -> None:
    """Store the outcome and drop the lock; LockLost when this execution no longer holds the key."""
    await _fenced(
        conn,
        _FINISH,
        lease,
        status_code=outcome.status_code,
        response=outcome.response,
        status=outcome.status,
        expires_at=now + lease.ttl,
    )


async def unlock(conn: AsyncConnection, lease: Lease, point: str, now: datetime.datetime) -> None:
    """Give the key up without an outcome, at recovery point `point`: a retry resumes from it at
    once. LockLost when this execution no longer holds the key."""
    await _fenced(conn, _UNLOCK, lease, recovery_point=point, locked_until=now)


async def _inserted(conn: AsyncConnection, lease: Lease, fp: str, now: datetime.datetime) -> bool:
    values = {
        **_params(lease.key),
        "fingerprint": fp,
        "created_at": now,
        "expires_at": now + lease.ttl,
        "owner": lease.owner,
        "locked_until": now + lease.lock_ttl,
    }
    return (await conn.execute(_INSERT_NEW[conn.dialect.name], values)).first() is not None


async def _existing(conn: AsyncConnection, lease: Lease, fp: str, row: sa.Row[Any], now: datetime.datetime) -> Claimed:
    if row.fingerprint != fp:
        return Claimed(Held.MISMATCH)
    if row.recovery_point == FINISHED:
        return Claimed(Held.COMPLETED, FINISHED, _outcome(row))
    if row.locked_until is not None and row.locked_until > now:
        return Claimed(Held.IN_PROGRESS, row.recovery_point)
    await conn.execute(_TAKE_OVER, {**_params(lease.key), "owner": lease.owner, "locked_until": now + lease.lock_ttl})
    return Claimed(Held.RESUMED, row.recovery_point)


async def _fenced(conn: AsyncConnection, statement: sa.Update, lease: Lease, **values: object) -> None:
    """Run `statement` on the row only while `lease` still owns it; LockLost when it does not."""

    def held(matched: int) -> None:
        if matched == 0:
            raise LockLost(f"{lease.key.method}: the request_id was taken over by another execution")

    await batched_write(conn, statement, {**_params(lease.key), "k_owner": lease.owner, **values}, check=held)


def _params(key: IdempotencyKey) -> dict[str, str]:
    return {"k_tenant": key.tenant, "k_method": key.method, "k_request_id": key.request_id}


def _outcome(row: sa.Row[Any]) -> Outcome:
    return Outcome(row.fingerprint, row.status_code, row.response, row.status)
