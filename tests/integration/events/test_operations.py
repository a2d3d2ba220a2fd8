"""Operating the event path: the `mesh events` commands and the outbox lag metric."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa

from mesh.events import OutboxRelay, OutgoingMessage, PublishError
from mesh.events.bus import DEAD_LETTER_SOURCE_SUBSCRIPTION
from mesh.persistence.tables import outbox
from tests.fixtures.pubsub import Recorder
from tests.integration.events.conftest import EventPath, open_pubsub_path


def mesh_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mesh.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


async def published_positions(path: EventPath) -> list[int]:
    async with path.database.transaction() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.position).where(outbox.c.published_at.is_not(None)).order_by(outbox.c.position)
        )
        return [row.position for row in rows]


async def test_cli_replays_an_outbox_range(event_path: EventPath) -> None:
    await event_path.emit(5)
    await event_path.relay.publish_pending()
    url = event_path.database.url

    result = mesh_cli("events", "replay", "--outbox", "--from", "2", "--to", "3", DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert "re-queued 2 outbox row(s)" in result.stdout
    assert await published_positions(event_path) == [1, 4, 5]


def test_cli_refuses_an_unbounded_outbox_replay() -> None:
    result = mesh_cli("events", "replay", "--outbox")

    assert result.returncode == 2
    assert "name a range" in result.stdout


async def test_cli_moves_dead_letters_back_without_their_dead_letter_attributes(
    own_pubsub_emulator, postgres_schema_url
) -> None:
    path = await open_pubsub_path(own_pubsub_emulator, postgres_schema_url)
    try:
        for n in range(3):
            await path.bus.publish(
                path.name("orders-dead-letter"),
                OutgoingMessage(
                    b"event %d" % n,
                    {"ce-id": f"e{n}", DEAD_LETTER_SOURCE_SUBSCRIPTION: "x", "dead_letter_reason": "bug"},
                ),
            )
        audit = Recorder()
        handle = await path.bus.subscribe(path.name("orders-audit"), audit)

        result = mesh_cli(
            "events",
            "replay",
            "--dead-letters",
            path.name("orders-dead-letter-inspect"),
            "--to-topic",
            path.name("orders"),
            "--idle-seconds",
            "2",
            PUBSUB_EMULATOR_HOST=own_pubsub_emulator.host,
            GOOGLE_CLOUD_PROJECT=own_pubsub_emulator.project,
        )
        await audit.wait_for_count(3)
        await handle.stop()
    finally:
        await path.bus.close()
        await path.database.dispose()

    assert result.returncode == 0, result.stderr
    assert "moved 3 message(s)" in result.stdout
    assert sorted(d.data for d in audit.deliveries) == [b"event 0", b"event 1", b"event 2"]
    assert all(set(d.attributes) == {"ce-id"} for d in audit.deliveries)


def test_cli_provisions_the_mesh_topology_idempotently(own_pubsub_emulator) -> None:
    env = {"PUBSUB_EMULATOR_HOST": own_pubsub_emulator.host, "GOOGLE_CLOUD_PROJECT": own_pubsub_emulator.project}

    first = mesh_cli("events", "provision", **env)
    second = mesh_cli("events", "provision", **env)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "commerce.payments.events" in first.stdout
    assert first.stdout != second.stdout  # created, then found existing


class FlakyBroker:
    """The real bus, unreachable while `down`."""

    def __init__(self, bus) -> None:
        self._bus = bus
        self.down = True

    async def publish(self, topic, message):
        if self.down:
            raise PublishError("broker unreachable")
        return await self._bus.publish(topic, message)


async def test_outbox_lag_is_reported_until_rows_are_published(event_path: EventPath, captured_metrics) -> None:
    await event_path.emit(3)
    broker = FlakyBroker(event_path.bus)
    relay = OutboxRelay(
        event_path.database, broker, backoff_base=0.0, lag_interval_seconds=0, meter_provider=captured_metrics.provider
    )

    await relay.publish_pending()
    lag_while_down = [p.value for p in captured_metrics.points("mesh.outbox.lag")]
    broker.down = False
    await relay.publish_pending()
    lag_after = [p.value for p in captured_metrics.points("mesh.outbox.lag")]

    assert lag_while_down and max(lag_while_down) > 0
    assert await published_positions(event_path) == [1, 2, 3]
    assert lag_after and lag_after[-1] == 0.0
