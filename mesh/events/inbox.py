"""The inbox: one row per (consumer, event id), committed with the handler's effects.

The statements are built once per dialect and take their values as parameters: building and
hashing a fresh statement per event cost more CPU than executing it. A shared transaction
(group_commit) claims all its events with one statement.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.envelope import EventEnvelope
from mesh.persistence.members import member_of
from mesh.persistence.tables import inbox
from mesh.persistence.upserts import DIALECTS, insert_for

HANDLED = "handled"
DEAD_LETTERED = "dead_lettered"

# Named apart from the columns: an UPDATE reserves the column names for its SET clause.
_THIS_EVENT = (inbox.c.consumer == sa.bindparam("of_consumer"), inbox.c.event_id == sa.bindparam("of_event_id"))


def _insert_ignoring_conflict(insert: postgresql.Insert | sqlite.Insert) -> sa.Insert:
    return insert.values(
        consumer=sa.bindparam("consumer"),
        event_id=sa.bindparam("event_id"),
        event_type=sa.bindparam("event_type"),
        outcome=sa.bindparam("outcome"),
        detail=sa.bindparam("detail"),
        processed_at=sa.bindparam("processed_at"),
    ).on_conflict_do_nothing(index_elements=["consumer", "event_id"])


# RETURNING, not rowcount: drivers do not report a dependable rowcount for INSERT … ON CONFLICT
# DO NOTHING, and a wrong answer here would ack a fresh event as a duplicate, losing its effects.
_INSERT = {
    dialect: _insert_ignoring_conflict(insert_for(dialect, inbox)).returning(inbox.c.event_id) for dialect in DIALECTS
}
_RETRY_DEAD_LETTERED = (
    sa.update(inbox)
    .where(
        inbox.c.consumer == sa.bindparam("of_consumer"),
        member_of(inbox.c.event_id, "seen_before"),  # one parameter: compiled once
        inbox.c.outcome == DEAD_LETTERED,
    )
    .values(outcome=HANDLED, detail=None, processed_at=sa.bindparam("processed_at"))
    .returning(inbox.c.event_id)
)
# A dead letter replaces an earlier dead letter of the event, never a handled row: that one's
# effects are committed, and turning it dead-lettered would let a replay run the handler again.
_REPLACE_DEAD_LETTER = (
    sa.update(inbox)
    .where(*_THIS_EVENT, inbox.c.outcome == DEAD_LETTERED)
    .values(
        event_type=sa.bindparam("event_type"),
        outcome=sa.bindparam("outcome"),
        detail=sa.bindparam("detail"),
        processed_at=sa.bindparam("processed_at"),
    )
    .returning(inbox.c.event_id)
)
_OUTCOME = sa.select(inbox.c.outcome).where(*_THIS_EVENT)


async def claim_all(conn: AsyncConnection, consumer: str, envelopes: Sequence[EventEnvelope]) -> set[str]:
    """The ids of the events this consumer should handle now: never seen, or dead-lettered before
    (a replay after a fix); the others are duplicates. One INSERT for them all, and an UPDATE for
    the dead-lettered only when some were seen before. Concurrent duplicates wait on the key."""
    rows = {envelope.id: _row(consumer, envelope, HANDLED, None) for envelope in envelopes}
    if not rows:
        return set()
    claimed = set((await conn.execute(_INSERT[conn.dialect.name], list(rows.values()))).scalars())
    seen_before = [event_id for event_id in rows if event_id not in claimed]
    if seen_before:
        claimed |= set(
            (
                await conn.execute(
                    _RETRY_DEAD_LETTERED,
                    {
                        "of_consumer": consumer,
                        "seen_before": seen_before,
                        "processed_at": datetime.datetime.now(datetime.UTC),
                    },
                )
            ).scalars()
        )
    return claimed


async def record_dead_letter(conn: AsyncConnection, consumer: str, envelope: EventEnvelope, reason: str) -> bool:
    """Record the event as dead-lettered for `reason` (over an earlier dead letter of it). False
    when this consumer handled its id already (an envelope reusing a handled event's id): the
    handled row stays, so no replay handles that event again."""
    row = _row(consumer, envelope, DEAD_LETTERED, reason[:1000])
    if (await conn.execute(_INSERT[conn.dialect.name], row)).first() is not None:
        return True
    return (await conn.execute(_REPLACE_DEAD_LETTER, row)).first() is not None


async def handled(conn: AsyncConnection, consumer: str, event_id: str) -> bool:
    """Whether this consumer's inbox holds the event as handled (its effects are committed)."""
    outcome = (await conn.execute(_OUTCOME, {"of_consumer": consumer, "of_event_id": event_id})).scalar_one_or_none()
    return outcome == HANDLED


def _row(consumer: str, envelope: EventEnvelope, outcome: str, detail: str | None) -> dict[str, object]:
    return {
        "consumer": consumer,
        "event_id": envelope.id,
        "of_consumer": consumer,
        "of_event_id": envelope.id,
        "event_type": envelope.type,
        "outcome": outcome,
        "detail": detail,
        "processed_at": datetime.datetime.now(datetime.UTC),
    }
