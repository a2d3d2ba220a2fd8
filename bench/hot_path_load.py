"""The hot-path bench's client: a process of its own driving grpc.aio stubs at one server.

    python -m bench.hot_path_load ADDRESS closed   --concurrency 64 --seconds 8 --warmup 2
    python -m bench.hot_path_load ADDRESS open     --rate 500 --seconds 10
    python -m bench.hot_path_load ADDRESS payments --concurrency 64 --seconds 10 --pool 1800

- closed:   `concurrency` workers call GetPaymentIntent back to back; QPS after the warm-up.
- open:     GetPaymentIntent sent on a fixed schedule whatever the answers do (open loop);
            latency counts from the scheduled send, so a server that falls behind shows it.
- payments: intents created first (not timed; at most `pool`, sized by a pilot round), then
            `concurrency` workers authorize and capture them one after the other; payments/s
            over the window.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import cast

import grpc

from bench.hot_path_messages import METADATA, create_intent_request, tokenize_request
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc

DEADLINE = 30.0
DRAIN = 1.0  # an open-loop server keeps up if every answer is in by this long after the last send
OPEN_LOOP_INTENTS = 64  # read in turn: different rows, as in closed loops


class Client:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.payments = payment_service_pb2_grpc.PaymentServiceStub(channel)
        self.vault = vault_service_pb2_grpc.VaultServiceStub(channel)
        self.errors: collections.Counter[str] = collections.Counter()
        self.calls = 0  # every RPC this client made, set-up included: the server's CPU is shared out over them

    async def new_intent(self, token: str) -> str:
        created = await self.payments.CreatePaymentIntent(
            create_intent_request(token), metadata=METADATA, timeout=DEADLINE
        )
        return created.payment_intent.name

    async def token(self) -> str:
        return (await self.vault.TokenizeCard(tokenize_request(), metadata=METADATA, timeout=DEADLINE)).token

    async def get(self, name: str) -> None:
        await self.payments.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=METADATA, timeout=DEADLINE)

    async def pay(self, name: str) -> None:
        """Authorize, then capture: two PSP calls."""
        await self.payments.AuthorizePaymentIntent(
            ps.AuthorizePaymentIntentRequest(name=name, request_id=str(uuid.uuid4())),
            metadata=METADATA,
            timeout=DEADLINE,
        )
        await self.payments.CapturePaymentIntent(
            ps.CapturePaymentIntentRequest(name=name, request_id=str(uuid.uuid4())), metadata=METADATA, timeout=DEADLINE
        )

    async def attempt(self, call: Awaitable[None]) -> bool:
        self.calls += 1
        try:
            await call
            return True
        except grpc.aio.AioRpcError as error:
            self.errors[error.code().name] += 1
            return False


def percentiles(latencies: list[float]) -> dict[str, float | None]:
    if not latencies:
        return {"p50_ms": None, "p99_ms": None}
    ordered = sorted(latencies)
    at = lambda share: round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2)
    return {"p50_ms": at(0.50), "p99_ms": at(0.99)}


async def closed_loop(client: Client, concurrency: int, seconds: float, warmup: float) -> dict[str, object]:
    # An intent per worker: callers read different rows, as a service's callers do (reads of one
    # row would let a server that gathers concurrent reads answer them all with one).
    names = await _intents(client, await client.token(), concurrency)
    started = time.perf_counter()
    counted_from, until = started + warmup, started + warmup + seconds
    latencies: list[float] = []

    async def worker(name: str) -> None:
        while (sent := time.perf_counter()) < until:
            ok = await client.attempt(client.get(name))
            if ok and sent >= counted_from:
                latencies.append(time.perf_counter() - sent)

    cpu = time.process_time()
    await asyncio.gather(*(worker(name) for name in names))
    return {
        "qps": round(len(latencies) / seconds, 1),
        **percentiles(latencies),
        "client_cpu_share": _cpu_share(cpu, time.perf_counter() - started),
    }


async def open_loop(client: Client, rate: float, seconds: float) -> dict[str, object]:
    names = await _intents(client, await client.token(), OPEN_LOOP_INTENTS)
    for name in names:  # warm the connection and the server's caches
        await client.attempt(client.get(name))
    latencies: list[float] = []
    turn = itertools.cycle(names)

    async def one(scheduled: float) -> None:
        if await client.attempt(client.get(next(turn))):
            latencies.append(time.perf_counter() - scheduled)

    cpu, offered = time.process_time(), int(rate * seconds)
    started = time.perf_counter()
    tasks = await _fire_on_schedule(one, started, rate, offered)
    _, late = await asyncio.wait(tasks, timeout=max(0.0, started + seconds + DRAIN - time.perf_counter()))
    answered_in_time = offered - len(late)
    await asyncio.gather(*late)
    return {
        "rate": rate,
        "offered": offered,
        "answered_in_time": answered_in_time,
        "keeps_up": answered_in_time == offered and not client.errors,
        **percentiles(latencies),
        "client_cpu_share": _cpu_share(cpu, time.perf_counter() - started),
    }


async def _fire_on_schedule(
    send: Callable[[float], Awaitable[None]], started: float, rate: float, count: int
) -> list[asyncio.Future]:
    """Starts send(t) at each t = started + i / rate, without waiting for earlier answers."""
    tasks = []
    for i in range(count):
        scheduled = started + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(send(scheduled)))
    return tasks


async def payments_flow(
    client: Client, concurrency: int, seconds: float, pool: int, server_pid: int | None = None
) -> dict[str, object]:
    """A pilot round (one payment per worker) warms the server up and sizes the pool: enough
    intents for the window at 3× the pilot's rate (a warm server is faster), at most `pool`, so
    a slow service is not kept creating thousands of intents it will never reach. With the
    server's pid, its CPU over the measured window alone (set-up excluded) is reported too."""
    token = await client.token()
    setup_started = time.perf_counter()
    pilot = await _pay_all(client, await _intents(client, token, concurrency), concurrency, seconds=3600)
    size = max(2 * concurrency, min(pool, int(pilot["payments_per_s"] * seconds * 3)))
    names = await _intents(client, token, size)
    setup_seconds = time.perf_counter() - setup_started
    cpu, server_cpu = time.process_time(), _process_cpu_seconds(server_pid)
    measured = await _pay_all(client, names, concurrency, seconds)
    server = _server_cpu_of_window(server_pid, server_cpu, measured)
    return {
        **measured,
        **server,
        "pool": size,
        "pilot_payments_per_s": pilot["payments_per_s"],
        "setup_seconds": round(setup_seconds, 1),
        "client_cpu_share": _cpu_share(cpu, measured["elapsed_s"]),
    }


async def _intents(client: Client, token: str, count: int) -> list[str]:
    return await _bounded(16, [lambda: client.new_intent(token) for _ in range(count)])


async def _pay_all(client: Client, names: list[str], concurrency: int, seconds: float) -> dict[str, object]:
    """`concurrency` workers authorize and capture `names` in turn until none are left or time is up."""
    queue = collections.deque(names)
    started = time.perf_counter()
    until = started + seconds
    latencies: list[float] = []

    async def worker() -> None:
        while queue and (sent := time.perf_counter()) < until:
            if await client.attempt(client.pay(queue.popleft())):
                latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "payments_per_s": round(len(latencies) / elapsed, 1),
        "payments": len(latencies),
        "pool_exhausted": not queue,
        **percentiles(latencies),
        "elapsed_s": round(elapsed, 2),
    }


async def _bounded(limit: int, calls: list[Callable[[], Awaitable[str]]]) -> list[str]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[str]]) -> str:
        async with gate:
            return await call()

    return list(await asyncio.gather(*(one(call) for call in calls)))


def _process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU of process `pid` so far (Linux /proc); 0 without a pid."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu_of_window(pid: int | None, before: float, measured: dict[str, object]) -> dict[str, object]:
    if pid is None:
        return {}
    used = _process_cpu_seconds(pid) - before
    payments, elapsed = int(cast(int, measured["payments"])), float(cast(float, measured["elapsed_s"]))
    return {
        "window_server_cpu_share": round(used / elapsed, 2),
        "server_cpu_us_per_payment": round(used / max(1, payments) * 1e6),
    }


def _cpu_share(cpu_before: float, wall: float) -> float:
    """The share of one core this client used: near 1.0, the client may be what limits the figure."""
    return round((time.process_time() - cpu_before) / wall, 2)


async def run(args: argparse.Namespace) -> dict[str, object]:
    async with grpc.aio.insecure_channel(args.address) as channel:
        client = Client(channel)
        if args.mode == "closed":
            result = await closed_loop(client, args.concurrency, args.seconds, args.warmup)
        elif args.mode == "open":
            result = await open_loop(client, args.rate, args.seconds)
        else:
            result = await payments_flow(client, args.concurrency, args.seconds, args.pool, args.server_pid)
    return {**result, "errors": dict(client.errors), "calls": client.calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("address")
    parser.add_argument("mode", choices=("closed", "open", "payments"))
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--pool", type=int, default=1000)
    parser.add_argument("--server-pid", type=int, default=None, help="report the server's CPU over the window")
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
