"""The inbox: one row per (consumer, event id), committed with the handler's effects."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.envelope import EventEnvelope
from mesh.persistence.tables import inbox

HANDLED = "handled"
DEAD_LETTERED = "dead_lettered"


async def claim(conn: AsyncConnection, consumer: str, envelope: EventEnvelope) -> bool:
    """True when this consumer should handle the event now: never seen, or dead-lettered before
    (a replay after a fix). False for a duplicate. Concurrent duplicates wait on the key."""
    insert = _insert_ignoring_conflict(conn).values(
        consumer=consumer, event_id=envelope.id, event_type=envelope.type, outcome=HANDLED,
        processed_at=_now())
    if await _wrote(conn, insert):
        return True
    return await _wrote(conn, sa.update(inbox).where(
        inbox.c.consumer == consumer, inbox.c.event_id == envelope.id, inbox.c.outcome == DEAD_LETTERED,
    ).values(outcome=HANDLED, detail=None, processed_at=_now()))


async def record_dead_letter(conn: AsyncConnection, consumer: str, envelope: EventEnvelope, reason: str) -> None:
    values = dict(event_type=envelope.type, outcome=DEAD_LETTERED, detail=reason[:1000], processed_at=_now())
    insert = _insert_ignoring_conflict(conn).values(consumer=consumer, event_id=envelope.id, **values)
    if not await _wrote(conn, insert):
        await conn.execute(sa.update(inbox).where(
            inbox.c.consumer == consumer, inbox.c.event_id == envelope.id).values(**values))


async def _wrote(conn: AsyncConnection, statement) -> bool:
    """Whether the statement wrote a row. RETURNING, not rowcount: psycopg does not report a
    dependable rowcount for INSERT … ON CONFLICT DO NOTHING, and a wrong answer here would ack
    a fresh event as a duplicate, silently losing its effects."""
    return (await conn.execute(statement.returning(inbox.c.event_id))).first() is not None


def _insert_ignoring_conflict(conn: AsyncConnection):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(inbox).on_conflict_do_nothing(index_elements=["consumer", "event_id"])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
