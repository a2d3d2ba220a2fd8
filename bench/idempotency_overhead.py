"""What the runtime's idempotency guard costs, as ratios against a baseline from the same run.

Over one real gRPC server on loopback, sequential calls of:
- baseline: GetPaymentIntent, a NO_SIDE_EFFECTS read through the full interceptor chain;
- write:    CreatePaymentIntent with a fresh request_id (claim, handler transaction, durable record);
- replay:   CreatePaymentIntent with a used request_id (answered from the fast path).
Backends: embedded (SQLite + memory) and, with --production, PostgreSQL + Redis (URLs from
DATABASE_URL and REDIS_URL). Prints JSON; `--out` writes it under bench/results/.

    python -m bench.idempotency_overhead --calls 300 [--production] [--out bench/results/idempotency.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid

from bench.harness import machine, ratios, report, summary, timed
from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.config import MeshSettings
from tests.integration.runtime.conftest import start_mesh, stop_mesh


async def measure(settings: MeshSettings, calls: int) -> dict[str, object]:
    mesh = await start_mesh(settings)
    try:
        name = f"tenants/{mesh.tenant}/paymentIntents/pi_1"
        used = mesh.create_request()
        await mesh.stub.CreatePaymentIntent(used, metadata=mesh.metadata())
        read = lambda: mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata())
        write = lambda: mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=mesh.metadata())
        replay = lambda: mesh.stub.CreatePaymentIntent(used, metadata=mesh.metadata())
        await timed(20, read)  # warm up connections and caches
        results = {
            kind: summary(await timed(calls, call))
            for kind, call in (("baseline_read", read), ("write", write), ("replay", replay))
        }
    finally:
        await stop_mesh(mesh)
    results["ratios_vs_baseline"] = ratios(results, "baseline_read")
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--production", action="store_true", help="PostgreSQL + Redis from DATABASE_URL, REDIS_URL")
    parser.add_argument("--out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "machine": machine(),
            "calls_per_kind": args.calls,
            "embedded": await measure(
                MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", shutdown_drain_seconds=0), args.calls
            ),
        }
        if args.production:
            results["production"] = await measure(
                MeshSettings(
                    database_url=os.environ["DATABASE_URL"],
                    redis_url=os.environ["REDIS_URL"],
                    redis_key_prefix=f"bench-{uuid.uuid4().hex}:",
                    shutdown_drain_seconds=0,
                ),
                args.calls,
            )
    report(results, args.out)


if __name__ == "__main__":
    asyncio.run(main())
