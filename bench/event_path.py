"""The event path's throughput against the emulator's own, as ratios from the same run.

Each round, on one Pub/Sub emulator, N events over K aggregates through an ordered subscription
with a dead-letter policy (what the mesh's domain subscriptions are):
- raw:        a PublisherClient (ordering on) publishes N messages of the same bytes, attributes
              and ordering keys; a streaming pull with the client's default flow control acks them;
- raw_held:   the same, with flow control held to the consumer's in-flight limit;
- event path: N outbox rows committed (EventWriter, --per-transaction events a transaction) while
              OutboxRelay publishes and EventConsumer handles each event in its inbox transaction
              with a one-row effect; the clock stops when the last effect has committed.
Figures are events/s (N over the wall time from the first publish or commit to the last ack or
committed effect), the median over rounds; ratios are the event path's over each baseline.
Databases: SQLite (embedded) and, with --production, PostgreSQL from DATABASE_URL (a schema of
its own, dropped afterwards).

    python -m bench.event_path --events 1000 --rounds 3 [--production] [--out bench/results/event_path.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import inspect
import os
import pathlib
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator

import psycopg
import sqlalchemy as sa
from google.cloud import pubsub_v1
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.harness import machine, report
from commerce.payments.v1 import events_pb2
from commerce.type.v1 import money_pb2
from mesh.events import EventConsumer, EventWriter, OutboxRelay
from mesh.events.bus import Delivery
from mesh.events.envelope import EventEnvelope, attributes_of, build_envelope
from mesh.events.provision import provision
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.pubsub_clients import publisher_client, subscriber_client, subscription_path, topic_path
from mesh.events.topology import SubscriptionSpec, Topic, Topology
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate
from tests.fixtures.pubsub import PubSubEmulator

TENANT = "bench"
SOURCE = "//commerce-mesh/bench"
CAPTURED = events_pb2.PaymentCaptured.DESCRIPTOR.full_name
# The raw baseline held to what the consumer lets run at once.
CONSUMER_IN_FLIGHT = inspect.signature(EventConsumer.start).parameters["max_outstanding"].default

effects_metadata = sa.MetaData()
effects = sa.Table(
    "bench_effects",
    effects_metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("subject", sa.String(512), nullable=False),
)


@dataclasses.dataclass(frozen=True)
class Workload:
    events: int
    aggregates: int
    per_transaction: int
    producers: int
    timeout: float

    def subject(self, n: int) -> str:
        return f"tenants/{TENANT}/paymentIntents/pi_{n % self.aggregates}"

    def event(self, n: int) -> events_pb2.PaymentCaptured:
        return events_pb2.PaymentCaptured(
            payment_intent=self.subject(n),
            psp="sandbox-alpha",
            amount=money_pb2.Money(currency_code="EUR", amount_minor=100 + n),
        )

    def envelope(self, n: int) -> EventEnvelope:
        return build_envelope(self.event(n), subject=self.subject(n), tenant=TENANT, source=SOURCE)


def bench_topology() -> Topology:
    """A topic, its ordered subscription with a dead-letter policy, and the dead letters' reader."""
    prefix = f"b{uuid.uuid4().hex[:10]}-"
    topic, dead = f"{prefix}events", f"{prefix}dead-letter"
    return Topology(
        topics=(Topic(topic), Topic(dead)),
        subscriptions=(
            SubscriptionSpec(
                name=f"{prefix}consumer",
                topic=topic,
                consumer="bench",
                ordered=True,
                ack_deadline_seconds=60,
                max_delivery_attempts=10,
                dead_letter_topic=dead,
                min_backoff_seconds=0,
                max_backoff_seconds=0,
            ),
            SubscriptionSpec(name=f"{prefix}dead-letter-inspect", topic=dead, consumer="bench"),
        ),
    )


class Arrivals:
    """Distinct ids seen, from any thread; `all_in()` returns once `expected` arrived."""

    def __init__(self, expected: int) -> None:
        self._expected = expected
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._loop = asyncio.get_running_loop()
        self._complete = asyncio.Event()

    def add(self, key: str) -> None:
        with self._lock:
            self._seen.add(key)
            if len(self._seen) == self._expected:
                self._loop.call_soon_threadsafe(self._complete.set)

    async def all_in(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._complete.wait(), timeout)
        except TimeoutError:
            raise SystemExit(f"only {len(self._seen)} of {self._expected} arrived within {timeout} s") from None


# --- the baseline: the emulator's own publish → streaming pull + ack ------------------------


async def measure_raw(emulator: PubSubEmulator, workload: Workload, max_messages: int | None) -> float:
    topology = bench_topology()
    await provision(topology, emulator.project, emulator_host=emulator.host)
    envelopes = [workload.envelope(n) for n in range(workload.events)]
    publisher = publisher_client(
        emulator.host, publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
    subscriber = subscriber_client(emulator.host)
    arrivals = Arrivals(workload.events)

    def ack(message) -> None:
        message.ack()
        arrivals.add(message.attributes["ce-id"])

    flow = pubsub_v1.types.FlowControl(**({"max_messages": max_messages} if max_messages else {}))
    stream = subscriber.subscribe(
        subscription_path(emulator.project, topology.subscriptions[0].name), callback=ack, flow_control=flow
    )
    try:
        started = time.perf_counter()
        path = topic_path(emulator.project, topology.topics[0].name)
        futures = [
            publisher.publish(
                path,
                envelope.SerializeToString(deterministic=True),
                ordering_key=envelope.subject,
                **attributes_of(envelope),
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*(asyncio.wrap_future(future) for future in futures))
        await arrivals.all_in(workload.timeout)
        return workload.events / (time.perf_counter() - started)
    finally:
        await asyncio.to_thread(_close_raw, stream, publisher, subscriber)


def _close_raw(stream, publisher: pubsub_v1.PublisherClient, subscriber: pubsub_v1.SubscriberClient) -> None:
    stream.cancel()
    with contextlib.suppress(Exception):
        stream.result()
    publisher.stop()
    publisher.transport.close()
    subscriber.close()


# --- the event path: outbox commit → relay → emulator → consumer → effect committed ---------


class CountingBus:
    """The PubSubBus, noting each event whose consumer returned (its effect and inbox row committed)."""

    def __init__(self, bus: PubSubBus, arrivals: Arrivals) -> None:
        self._bus = bus
        self._arrivals = arrivals

    async def publish(self, topic, message):
        return await self._bus.publish(topic, message)

    async def subscribe(self, subscription, handler, *, max_outstanding: int = 100):
        async def counted(delivery: Delivery) -> None:
            await handler(delivery)
            self._arrivals.add(delivery.attributes["ce-id"])

        return await self._bus.subscribe(subscription, counted, max_outstanding=max_outstanding)

    async def close(self) -> None:
        await self._bus.close()


_RECORD_EFFECT = sa.insert(effects).values(event_id=sa.bindparam("event_id"), subject=sa.bindparam("subject"))


async def record_effect(event, context) -> None:
    """The handler: a one-row effect (its statement built once, as the runtime builds its own)."""
    await context.connection.execute(
        _RECORD_EFFECT, {"event_id": context.envelope.id, "subject": context.envelope.subject}
    )


async def emit_all(database: Database, writer: EventWriter, workload: Workload) -> None:
    """Commit every event, from `producers` concurrent tasks as a service's concurrent calls would."""
    firsts = list(range(0, workload.events, workload.per_transaction))
    await asyncio.gather(
        *(
            emit_share(database, writer, workload, firsts[share :: workload.producers])
            for share in range(workload.producers)
        )
    )


async def emit_share(database: Database, writer: EventWriter, workload: Workload, firsts: list[int]) -> None:
    for first in firsts:
        async with database.transaction() as conn:
            for n in range(first, min(first + workload.per_transaction, workload.events)):
                await writer.emit(conn, workload.event(n), subject=workload.subject(n), tenant=TENANT)


async def measure_event_path(emulator: PubSubEmulator, url: str, workload: Workload) -> float:
    topology = bench_topology()
    await provision(topology, emulator.project, emulator_host=emulator.host)
    database = Database.from_url(url)
    await migrate(database, RUNTIME_MIGRATIONS)
    async with database.engine.begin() as conn:
        await conn.run_sync(effects_metadata.create_all)
    arrivals = Arrivals(workload.events)
    bus = CountingBus(PubSubBus(emulator.project, emulator_host=emulator.host), arrivals)
    consumer = EventConsumer(
        "bench", database, bus, {CAPTURED: record_effect}, dead_letter_topic=topology.topics[1].name
    )
    handle = await consumer.start(topology.subscriptions[0].name)
    stop = asyncio.Event()
    relay = asyncio.ensure_future(OutboxRelay(database, bus).run(stop))
    try:
        started = time.perf_counter()
        await emit_all(database, EventWriter(SOURCE, topology.topics[0].name), workload)
        await arrivals.all_in(workload.timeout)
        rate = workload.events / (time.perf_counter() - started)
        await _require_effects(database, workload.events)
        return rate
    finally:
        stop.set()
        await relay
        await handle.stop()
        await bus.close()
        await database.dispose()


async def _require_effects(database: Database, expected: int) -> None:
    async with database.transaction() as conn:
        committed = (await conn.execute(sa.select(sa.func.count()).select_from(effects))).scalar_one()
    if committed != expected:
        raise SystemExit(f"{committed} effects committed, expected {expected}")


@contextlib.asynccontextmanager
async def postgres_schema(url: str) -> AsyncIterator[str]:
    """url narrowed to a fresh schema (search_path), dropped on exit."""
    parsed = make_url(url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    conninfo = dict(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
    )
    async with await psycopg.AsyncConnection.connect(**conninfo, autocommit=True) as admin:
        await admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        finally:
            await admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


# --- rounds and the report -------------------------------------------------------------------


async def one_round(
    emulator: PubSubEmulator, workload: Workload, workdir: pathlib.Path, production_url: str | None
) -> dict[str, float]:
    """Every kind once, baselines first, all against the same emulator."""
    rates = {
        "raw": await measure_raw(emulator, workload, None),
        "raw_held": await measure_raw(emulator, workload, CONSUMER_IN_FLIGHT),
        "embedded": await measure_event_path(
            emulator, f"sqlite+aiosqlite:///{workdir / f'{uuid.uuid4().hex}.db'}", workload
        ),
    }
    if production_url:
        async with postgres_schema(production_url) as url:
            rates["production"] = await measure_event_path(emulator, url, workload)
    return rates


def summarise(rounds: list[dict[str, float]]) -> dict[str, object]:
    medians = {kind: statistics.median(r[kind] for r in rounds) for kind in rounds[0]}
    paths = [kind for kind in medians if not kind.startswith("raw")]
    return {
        "events_per_second": {kind: round(rate) for kind, rate in medians.items()},
        "rounds": [{kind: round(rate) for kind, rate in r.items()} for r in rounds],
        "ratios_vs_raw": {kind: round(medians[kind] / medians["raw"], 2) for kind in paths},
        "ratios_vs_raw_held": {kind: round(medians[kind] / medians["raw_held"], 2) for kind in paths},
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--aggregates", type=int, default=100)
    parser.add_argument("--per-transaction", type=int, default=10)
    parser.add_argument("--producers", type=int, default=4, help="concurrent tasks committing the events")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one measurement may take")
    parser.add_argument("--production", action="store_true", help="also PostgreSQL from DATABASE_URL")
    parser.add_argument("--out")
    args = parser.parse_args()
    workload = Workload(args.events, args.aggregates, args.per_transaction, args.producers, args.timeout)
    with tempfile.TemporaryDirectory() as tmp:
        emulator = PubSubEmulator(pathlib.Path(tmp))
        try:
            rounds = [
                await one_round(
                    emulator, workload, pathlib.Path(tmp), os.environ["DATABASE_URL"] if args.production else None
                )
                for _ in range(args.rounds)
            ]
        finally:
            emulator.stop()
    report(
        {
            "machine": machine(),
            "events": args.events,
            "aggregates": args.aggregates,
            "events_per_transaction": args.per_transaction,
            "producers": args.producers,
            "consumer_in_flight": CONSUMER_IN_FLIGHT,
            **summarise(rounds),
        },
        args.out,
    )


if __name__ == "__main__":
    asyncio.run(main())
