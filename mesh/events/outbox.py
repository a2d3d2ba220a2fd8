"""Writing events: in the caller's transaction, next to the state change they describe."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Sequence

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.events.envelope import EventEnvelope, build_envelope
from mesh.persistence import batched_write
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
        (envelope,) = await self.emit_all(conn, [(event, event_id)], subject=subject, tenant=tenant, sequence=sequence)
        return envelope

    async def emit_all(
        self,
        conn: AsyncConnection,
        events: Sequence[tuple[Message, str | None]],
        *,
        subject: str,
        tenant: str,
        sequence: int = 0,
    ) -> list[EventEnvelope]:
        """`emit` for several events of one subject, each (event, event_id), in this order: one
        INSERT for them all."""
        envelopes = [
            build_envelope(
                event, subject=subject, tenant=tenant, source=self.source, event_id=event_id, sequence=sequence
            )
            for event, event_id in events
        ]
        await enqueue(conn, envelopes, self.topic)
        return envelopes


_COLUMNS = ("event_id", "topic", "ordering_key", "event_type", "payload", "created_at", "next_attempt_at")
# Rows one INSERT takes; more go in several. A statement per row count, each built once (values
# as parameters): building and hashing a statement per event cost more CPU than executing it.
_MAX_ROWS = 8


@functools.cache
def _insert_of(rows: int) -> sa.Insert:
    return sa.insert(outbox).values(
        [{**{column: sa.bindparam(f"{column}_{row}") for column in _COLUMNS}, "attempts": 0} for row in range(rows)]
    )


async def enqueue(conn: AsyncConnection, envelopes: Sequence[EventEnvelope], topic: str) -> None:
    """Write `envelopes` to the outbox in `conn`'s transaction, in order (their positions follow it)."""
    if not conn.in_transaction():
        raise RuntimeError("events are written inside the state change's transaction")
    now = datetime.datetime.now(datetime.UTC)
    for start in range(0, len(envelopes), _MAX_ROWS):
        chunk = envelopes[start : start + _MAX_ROWS]
        values: dict[str, object] = {}
        for row, envelope in enumerate(chunk):
            values |= {
                f"event_id_{row}": envelope.id,
                f"topic_{row}": topic,
                f"ordering_key_{row}": envelope.subject,
                f"event_type_{row}": envelope.type,
                f"payload_{row}": envelope.SerializeToString(deterministic=True),
                f"created_at_{row}": now,
                f"next_attempt_at_{row}": now,
            }
        # Batched with the state change's own writes: one round trip on PostgreSQL.
        await batched_write(conn, _insert_of(len(chunk)), values)
