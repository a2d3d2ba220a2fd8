"""The relay's side of the outbox table: claim due rows per aggregate, later settle them.

Each function runs inside a short transaction the relay opens for it; publishing happens
between the claim and the settlement with no transaction open. A claim takes, for every
aggregate (ordering key) whose oldest unpublished row is due and not leased, the first rows of
that aggregate, and leases them (claimed_until) so that no other relay takes them meanwhile.
Selecting per aggregate is what keeps one aggregate with a thousand blocked rows from filling
the batch: while its head backs off it offers nothing, and a due one offers at most
rows_per_aggregate rows.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.persistence import UtcDateTime
from mesh.persistence.members import member_of
from mesh.persistence.tables import outbox

__all__ = [
    "ClaimedRow",
    "Limits",
    "Settlement",
    "claim_due",
    "oldest_unpublished",
    "settle",
    "settled_by_one_statement",
]


@dataclasses.dataclass(frozen=True)
class Limits:
    rows: int  # rows one claim may take in all
    rows_per_aggregate: int  # rows one claim may take of one aggregate


@dataclasses.dataclass(frozen=True)
class ClaimedRow:
    position: int
    topic: str
    ordering_key: str
    payload: bytes
    attempts: int


@dataclasses.dataclass(frozen=True)
class Settlement:
    """What became of one aggregate's claimed rows."""

    published: Sequence[int] = ()
    failed: ClaimedRow | None = None  # the first row that did not go out: backed off until retry_at
    error: str = ""
    retry_at: datetime.datetime | None = None
    released: Sequence[int] = ()  # rows behind the failed one: not published, free again behind it


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime.datetime,
    lease_until: datetime.datetime,
    limits: Limits,
    busy: Collection[str] = (),
) -> dict[str, list[ClaimedRow]]:
    """Lease the due rows of ready aggregates (not in `busy`); by aggregate, in position order."""
    rows = await conn.execute(
        _CLAIMABLE, {"now": now, "busy": list(busy), "rows": limits.rows, "per_aggregate": limits.rows_per_aggregate}
    )
    claimed = _cut_at_first_row_not_due(rows, now)
    positions = [row.position for rows_of_key in claimed.values() for row in rows_of_key]
    if positions:
        await conn.execute(_LEASE, {"positions": positions, "lease_until": lease_until})
    return claimed


# The statements are built once, with their values as parameters: building and hashing these
# per claim cost the relay more CPU than running them.
_NOW = sa.bindparam("now", type_=UtcDateTime)
# Lists are one parameter (member_of), not an expanding IN: the statements stay compiled once.
_POSITIONS = member_of(outbox.c.position, "positions")
# What a claim selects: position, topic, ordering_key, payload, attempts, next_attempt_at, rank.
_Ranked = sa.Row[int, str, str, bytes, int, datetime.datetime, int]


def _ready_aggregates() -> sa.Select[str]:
    """Ordering keys whose oldest unpublished row is due and not leased, oldest head first."""
    heads = (
        sa.select(outbox.c.ordering_key, sa.func.min(outbox.c.position).label("head"))
        .where(outbox.c.published_at.is_(None))
        .group_by(outbox.c.ordering_key)
        .subquery("heads")
    )
    head = outbox.alias("head")
    return (
        sa.select(heads.c.ordering_key)
        .join(head, head.c.position == heads.c.head)
        .where(
            head.c.next_attempt_at <= _NOW,
            sa.or_(head.c.claimed_until.is_(None), head.c.claimed_until <= _NOW),
            ~member_of(heads.c.ordering_key, "busy"),
        )
        .order_by(heads.c.head)
        .limit(sa.bindparam("rows"))
    )


def _ranked_rows_of_ready_aggregates() -> sa.Select[int, str, str, bytes, int, datetime.datetime, int]:
    """The first rows of each ready aggregate, every aggregate's first row before any second one."""
    ranked = (
        sa.select(
            outbox.c.position,
            outbox.c.topic,
            outbox.c.ordering_key,
            outbox.c.payload,
            outbox.c.attempts,
            outbox.c.next_attempt_at,
            sa.func.row_number().over(partition_by=outbox.c.ordering_key, order_by=outbox.c.position).label("rank"),
        )
        .where(outbox.c.published_at.is_(None), outbox.c.ordering_key.in_(_ready_aggregates()))
        .subquery("ranked")
    )
    return (
        sa.select(ranked)
        .where(ranked.c.rank <= sa.bindparam("per_aggregate"))
        .order_by(ranked.c.rank, ranked.c.position)
        .limit(sa.bindparam("rows"))
    )


_CLAIMABLE = _ranked_rows_of_ready_aggregates()
_LEASE = sa.update(outbox).where(_POSITIONS).values(claimed_until=sa.bindparam("lease_until"))
_PUBLISHED = sa.update(outbox).where(_POSITIONS).values(published_at=_NOW, claimed_until=None)
_RELEASED = sa.update(outbox).where(_POSITIONS).values(claimed_until=None)
_BACKED_OFF = (
    sa.update(outbox)
    .where(outbox.c.position == sa.bindparam("failed"))
    .values(
        attempts=sa.bindparam("new_attempts"),
        last_error=sa.bindparam("error"),
        next_attempt_at=sa.bindparam("retry_at", type_=UtcDateTime),
        claimed_until=None,
    )
)
# type_coerce: an aggregate would bypass UtcDateTime and come back as text on SQLite.
_OLDEST = sa.select(sa.type_coerce(sa.func.min(outbox.c.created_at), UtcDateTime)).where(
    outbox.c.published_at.is_(None)
)


def _cut_at_first_row_not_due(rows: Iterable[_Ranked], now: datetime.datetime) -> dict[str, list[ClaimedRow]]:
    # A row behind the head can still be backing off (a replayed range ahead of it): it and
    # everything after it in its aggregate wait, so the order survives.
    by_key: dict[str, list[ClaimedRow]] = {}
    cut: set[str] = set()
    for row in rows:
        if row.ordering_key in cut:
            continue
        if row.next_attempt_at > now:
            cut.add(row.ordering_key)
            continue
        by_key.setdefault(row.ordering_key, []).append(
            ClaimedRow(row.position, row.topic, row.ordering_key, row.payload, row.attempts)
        )
    return by_key


def settled_by_one_statement(settlements: Sequence[Settlement]) -> bool:
    """Whether `settle` runs one statement for these (everything published: one UPDATE, atomic on
    its own, so it needs no transaction), or several, which belong in one."""
    return all(s.failed is None and not s.released for s in settlements)


async def settle(conn: AsyncConnection, settlements: Sequence[Settlement], now: datetime.datetime) -> None:
    """Stamp what was published, back off what failed, free the rest."""
    published = [position for s in settlements for position in s.published]
    released = [position for s in settlements for position in s.released]
    failed = [
        {
            "failed": s.failed.position,
            "new_attempts": s.failed.attempts + 1,
            "error": s.error[:1000],
            "retry_at": s.retry_at,
        }
        for s in settlements
        if s.failed is not None
    ]
    if published:
        await conn.execute(_PUBLISHED, {"positions": published, "now": now})
    if released:
        await conn.execute(_RELEASED, {"positions": released})
    if failed:
        await conn.execute(_BACKED_OFF, failed)


async def oldest_unpublished(conn: AsyncConnection) -> datetime.datetime | None:
    return (await conn.execute(_OLDEST)).scalar_one()
