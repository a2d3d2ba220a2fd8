"""What booking a payment event in the ledger costs, as ratios against a baseline from the same run.

Through invoicing's real EventConsumer (envelope decoding, inbox row, one transaction each),
sequential deliveries of fresh PaymentCaptured events to:
- baseline: a consumer whose handler does nothing (the inbox and transaction alone);
- book:     invoicing's handler, which locks the tenant's chain head, seals the entry (SHA-256
            over its deterministic encoding) and writes it with its five postings.
Then VerifyLedger's walk over everything booked, as entries per second.
Backends: embedded (SQLite) and, with --production, PostgreSQL from DATABASE_URL.

    python -m bench.ledger_posting --events 500 [--production] [--out bench/results/ledger.json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time

from bench.harness import machine, ratios, report, summary, timed
from commerce.payments.v1 import events_pb2
from mesh.events import EventConsumer
from mesh.events.bus import Delivery
from mesh.events.envelope import build_envelope
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate
from services.invoicing.app import InvoicingApp
from services.invoicing.handlers import payment_handlers
from services.invoicing.migrations import INVOICING_MIGRATIONS

TENANT = "bench"


def capture_delivery(n: int) -> Delivery:
    event = events_pb2.PaymentCaptured(
        payment_intent=f"tenants/{TENANT}/paymentIntents/pi_{n}",
        amount={"currency_code": "EUR", "amount_minor": 10_000},
        fee={"currency_code": "EUR", "amount_minor": 320},
        psp="sandbox-alpha",
        psp_reference=f"cap_{n}",
    )
    envelope = build_envelope(event, subject=event.payment_intent, tenant=TENANT, source="//bench")
    return Delivery(str(n), envelope.SerializeToString(), {}, event.payment_intent, 1, "bench")


class _Nothing:
    async def __call__(self, event, context) -> None:
        return None


async def measure(url: str, events: int) -> dict[str, object]:
    db = Database.from_url(url)
    try:
        await migrate(db, RUNTIME_MIGRATIONS, INVOICING_MIGRATIONS)
        app = InvoicingApp(db)
        booking = EventConsumer("bench-ledger", db, bus=None, handlers=payment_handlers(app), dead_letter_topic="")
        baseline = EventConsumer(
            "bench-baseline",
            db,
            bus=None,
            dead_letter_topic="",
            handlers={events_pb2.PaymentCaptured.DESCRIPTOR.full_name: _Nothing()},
        )
        counter = itertools.count()
        await timed(20, lambda: baseline.handle(capture_delivery(next(counter))))  # warm up
        results = {
            "baseline_inbox_only": summary(
                await timed(events, lambda: baseline.handle(capture_delivery(next(counter))))
            ),
            "book_capture": summary(await timed(events, lambda: booking.handle(capture_delivery(next(counter))))),
        }
        results["ratios_vs_baseline"] = ratios(results, "baseline_inbox_only")
        started = time.perf_counter()
        verified = await app.verify(TENANT)
        elapsed = time.perf_counter() - started
        assert verified.ok and verified.entries_checked == events, verified
        results["verify_entries_per_second"] = round(verified.entries_checked / elapsed)
    finally:
        await db.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--production", action="store_true", help="PostgreSQL from DATABASE_URL")
    parser.add_argument("--out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "machine": machine(),
            "events_per_kind": args.events,
            "embedded": await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", args.events),
        }
        if args.production:
            results["production"] = await measure(os.environ["DATABASE_URL"], args.events)
    report(results, args.out)


if __name__ == "__main__":
    asyncio.run(main())
