"""A relay in a process of its own that stops dead right after publishing, for crash tests.

    python -m tests.integration.events.relay_process DATABASE_URL EMULATOR_HOST PROJECT LEASE_SECONDS

Its bus publishes to the emulator for real, then never returns: the relay has published but
never reaches the transaction that settles its rows. The test SIGKILLs the process there.
"""

from __future__ import annotations

import asyncio
import sys

from mesh.events import OutboxRelay, OutgoingMessage
from mesh.events.pubsub_bus import PubSubBus
from mesh.persistence import Database


class FrozenAfterPublishing:
    def __init__(self, bus: PubSubBus) -> None:
        self._bus = bus

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        await self._bus.publish(topic, message)
        await asyncio.Event().wait()  # the broker has it; the relay never learns
        raise AssertionError("unreachable")


async def main(database_url: str, emulator_host: str, project: str, lease_seconds: float) -> None:
    database = Database.from_url(database_url)
    bus = PubSubBus(project, emulator_host=emulator_host, publish_timeout=10.0)
    relay = OutboxRelay(database, FrozenAfterPublishing(bus), lease_seconds=lease_seconds)
    await relay.run(asyncio.Event(), idle_seconds=0.05)


if __name__ == "__main__":
    url, host, project_id, lease = sys.argv[1:5]
    asyncio.run(main(url, host, project_id, float(lease)))
