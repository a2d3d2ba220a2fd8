"""Re-driving events after a fix. Safe because every consumer dedupes on the event id, and
dead-lettered events are handled again (inbox.claim_all) rather than skipped as duplicates."""

from __future__ import annotations

import asyncio
import datetime

import sqlalchemy as sa

from mesh.events.bus import DEAD_LETTER_ATTRIBUTE_PREFIX, Delivery, EventBus, OutgoingMessage
from mesh.events.consumer import DEAD_LETTER_REASON
from mesh.persistence import Database
from mesh.persistence.tables import outbox


async def replay_outbox(
    database: Database,
    *,
    from_position: int | None = None,
    to_position: int | None = None,
    since: datetime.datetime | None = None,
) -> int:
    """Mark outbox rows in a position range and/or since a time as unpublished; the relay
    publishes them again in order. Returns how many rows were re-queued."""
    conditions = []
    if from_position is not None:
        conditions.append(outbox.c.position >= from_position)
    if to_position is not None:
        conditions.append(outbox.c.position <= to_position)
    if since is not None:
        conditions.append(outbox.c.created_at >= since)
    if not conditions:
        raise ValueError("name a range: from_position, to_position and/or since")
    now = datetime.datetime.now(datetime.UTC)
    async with database.transaction() as conn:
        result = await conn.execute(
            sa.update(outbox)
            .where(*conditions)
            .values(published_at=None, attempts=0, next_attempt_at=now, last_error=None, claimed_until=None)
        )
    return result.rowcount


async def replay_dead_letters(
    bus: EventBus,
    dead_letter_subscription: str,
    target_topic: str,
    *,
    idle_seconds: float = 2.0,
    limit: int | None = None,
) -> int:
    """Move the messages of a dead-letter subscription back to `target_topic` (acking each once
    it is republished) until none arrives for `idle_seconds`. Returns how many were moved."""
    moved = 0
    arrived = asyncio.Event()
    done = asyncio.Event()

    async def move(delivery: Delivery) -> None:
        nonlocal moved
        if limit is not None and moved >= limit:
            done.set()
            raise RuntimeError("replay limit reached")  # nack: leave it on the dead-letter subscription
        attributes = {
            k: v
            for k, v in delivery.attributes.items()
            if k != DEAD_LETTER_REASON and not k.startswith(DEAD_LETTER_ATTRIBUTE_PREFIX)
        }
        await bus.publish(
            target_topic, OutgoingMessage(delivery.data, attributes, ordering_key=attributes.get("ce-subject", ""))
        )
        moved += 1
        arrived.set()

    handle = await bus.subscribe(dead_letter_subscription, move)
    try:
        while not done.is_set():
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), idle_seconds)
            except TimeoutError:
                break
    finally:
        await handle.stop()
    return moved
