"""Writing events: in the caller's transaction, next to the state change they describe."""

from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.envelope import EventEnvelope, build_envelope
from mesh.persistence.tables import outbox


@dataclasses.dataclass(frozen=True)
class EventWriter:
    """Emits one producer's events to its topic, e.g. EventWriter("//commerce-mesh/payments",
    "commerce.payments.events")."""

    source: str
    topic: str

    async def emit(
        self,
        conn: AsyncConnection,
        event: Message,
        *,
        subject: str,
        tenant: str,
        event_id: str | None = None,
        sequence: int = 0,
    ) -> EventEnvelope:
        """Record `event` in the outbox inside the open transaction `conn`; the relay publishes it
        once that transaction commits (and never if it rolls back)."""
        envelope = build_envelope(
            event, subject=subject, tenant=tenant, source=self.source, event_id=event_id, sequence=sequence
        )
        await enqueue(conn, envelope, self.topic)
        return envelope


# Built once, values as parameters: building and hashing a statement per event cost more CPU
# than executing it.
_INSERT = sa.insert(outbox).values(
    event_id=sa.bindparam("event_id"),
    topic=sa.bindparam("topic"),
    ordering_key=sa.bindparam("ordering_key"),
    event_type=sa.bindparam("event_type"),
    payload=sa.bindparam("payload"),
    created_at=sa.bindparam("created_at"),
    attempts=0,
    next_attempt_at=sa.bindparam("next_attempt_at"),
)


async def enqueue(conn: AsyncConnection, envelope: EventEnvelope, topic: str) -> None:
    if not conn.in_transaction():
        raise RuntimeError("events are written inside the state change's transaction")
    now = datetime.datetime.now(datetime.UTC)
    await conn.execute(
        _INSERT,
        {
            "event_id": envelope.id,
            "topic": topic,
            "ordering_key": envelope.subject,
            "event_type": envelope.type,
            "payload": envelope.SerializeToString(deterministic=True),
            "created_at": now,
            "next_attempt_at": now,
        },
    )
