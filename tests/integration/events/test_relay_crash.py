"""A relay process SIGKILLed after publishing and before settling: its rows go out again once its
lease runs out, and the consumer applies every event once. The real emulator, and a SQLite file
or a PostgreSQL schema shared by the test and the relay's process."""

from __future__ import annotations

import asyncio
import collections
import pathlib
import sys
from collections.abc import Callable
from typing import BinaryIO

import pytest
import sqlalchemy as sa

from mesh.events import EventConsumer
from mesh.persistence.tables import outbox
from tests.fixtures.pubsub import PubSubEmulator, Recorder
from tests.integration.events.conftest import (
    EventPath,
    open_pubsub_path,
    record_effect,
    relaying,
    unpublished,
    wait_until_published,
)

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
LEASE_SECONDS = 2.0  # how long the killed relay's rows stay its own


async def start_relay_process(emulator: PubSubEmulator, database_url: str, log: BinaryIO):
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.events.relay_process",
        database_url,
        emulator.host,
        emulator.project,
        str(LEASE_SECONDS),
        cwd=REPOSITORY,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )


async def arrived_before_exit(recorder: Recorder, condition: Callable[[], bool], process, log: pathlib.Path) -> None:
    """Wait for condition on the recorder; fail at once if the relay's process dies first."""
    arrived = asyncio.ensure_future(recorder.wait_for(condition))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({arrived, exited}, return_when=asyncio.FIRST_COMPLETED)
    if not arrived.done():
        arrived.cancel()
        pytest.fail(f"the relay process exited ({process.returncode}):\n{log.read_text()[-3000:]}", pytrace=False)
    exited.cancel()
    await arrived


async def event_ids(path: EventPath) -> set[str]:
    async with path.database.transaction() as conn:
        return set((await conn.execute(sa.select(outbox.c.event_id))).scalars())


def acked_per_event(recorder: Recorder) -> collections.Counter[str]:
    return collections.Counter(delivery.attributes["ce-id"] for delivery in recorder.acked)


async def test_relay_killed_after_publishing_and_before_settling_publishes_again_and_consumers_apply_once(
    pubsub_emulator: PubSubEmulator, database_url: str, tmp_path: pathlib.Path
) -> None:
    path = await open_pubsub_path(pubsub_emulator, database_url)
    try:

        async def audit_effect(event, ctx) -> None:
            await record_effect(ctx.connection, "audit", ctx.envelope)

        audit = EventConsumer(
            "audit",
            path.database,
            path.bus,
            {"commerce.payments.v1.PaymentCaptured": audit_effect},
            dead_letter_topic=path.name("orders-dead-letter"),
        )
        consumed = Recorder(audit.handle)  # acked = the consumer returned: its effect committed
        subscription = await path.bus.subscribe(path.name("orders-audit"), consumed)
        await path.emit(20, aggregates=4, per_transaction=5)
        ids = await event_ids(path)

        log = tmp_path / "relay-process.log"
        with log.open("wb") as sink:
            doomed = await start_relay_process(pubsub_emulator, database_url, sink)
            try:
                await arrived_before_exit(consumed, lambda: set(acked_per_event(consumed)) == ids, doomed, log)
            finally:
                doomed.kill()  # SIGKILL: no finally, no settling transaction
                await doomed.wait()
        left_unsettled = await unpublished(path)

        async with relaying(path):  # a new relay, once the dead one's lease has run out
            await consumed.wait_for(lambda: all(n >= 2 for n in acked_per_event(consumed).values()))
            await wait_until_published(path)
        await subscription.stop()
        rows = await path.effect_rows("audit")
    finally:
        await path.bus.close()
        await path.database.dispose()

    assert left_unsettled == 20  # everything went out, nothing was marked
    assert len(rows) == 20 and {row.event_id for row in rows} == ids  # the second publish was deduped
