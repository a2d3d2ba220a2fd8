"""emit_all writes several events of one subject in one statement per 8, in their order: their
outbox positions follow it (the relay publishes an aggregate by position), and they commit or
roll back with the transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mesh.events import EventWriter
from mesh.events.envelope import decode_envelope
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate
from mesh.persistence.tables import outbox
from tests.integration.events.conftest import TENANT, captured

SUBJECT = f"tenants/{TENANT}/paymentIntents/pi_batch"
WRITER = EventWriter("//commerce-mesh/outbox-tests", "outbox-tests")


class Boom(Exception):
    pass


async def rows(database: Database) -> list[tuple[str, int]]:
    async with database.read() as conn:
        found = await conn.execute(sa.select(outbox.c.event_id, outbox.c.payload).order_by(outbox.c.position))
        return [(event_id, decode_envelope(payload).sequence) for event_id, payload in found]


@pytest.mark.parametrize("count", [1, 2, 8, 19])
async def test_events_land_in_the_order_given_whatever_their_number(database: Database, count: int) -> None:
    await migrate(database, RUNTIME_MIGRATIONS)
    events = [(captured(n), f"ev-{n:02d}") for n in range(count)]
    for _ in range(2):  # the second batch runs the statements compiled
        async with database.transaction() as conn:
            written = await WRITER.emit_all(conn, events, subject=SUBJECT, tenant=TENANT, sequence=7)
        events = [(event, f"again-{event_id}") for event, event_id in events]

    assert [e.id for e in written] == [f"again-ev-{n:02d}" for n in range(count)]
    assert await rows(database) == [(f"ev-{n:02d}", 7) for n in range(count)] + [
        (f"again-ev-{n:02d}", 7) for n in range(count)
    ]


async def test_a_batch_rolls_back_with_its_transaction(database: Database) -> None:
    await migrate(database, RUNTIME_MIGRATIONS)
    with pytest.raises(Boom):
        async with database.transaction() as conn:
            await WRITER.emit_all(conn, [(captured(1), "a"), (captured(2), "b")], subject=SUBJECT, tenant=TENANT)
            raise Boom

    assert await rows(database) == []
