"""Processes for the hot-path bench: a server per measurement, a client process driving it, and
the fresh PostgreSQL database and Redis key prefix a payments run gets.

Servers report their port the way MeshServer logs it ("serving … on 127.0.0.1:<port>"), into
a log file rather than a pipe: a pipe nobody drains would stall a server that logs per call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping

import psycopg
import redis
from psycopg import sql

POSTGRES_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
POSTGRES_URL_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
_LISTENING = re.compile(r"serving .*? on 127\.0\.0\.1:(\d+)")
# Settings a server would otherwise inherit from whoever runs the bench.
_INHERITED_SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "PUBSUB_EMULATOR_HOST",
    "GOOGLE_CLOUD_PROJECT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_CONSOLE",
    "GRPC_PORT",
)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class RunningServer:
    process: subprocess.Popen
    address: str
    log: pathlib.Path

    def cpu_seconds(self) -> float:
        """User + system CPU the server has used so far (Linux /proc)."""
        fields = pathlib.Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def child_env(settings: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _INHERITED_SETTINGS}
    return (
        env
        | {"GRPC_HOST": "127.0.0.1", "GRPC_PORT": "0", "SHUTDOWN_DRAIN_SECONDS": "0", "SHUTDOWN_GRACE_SECONDS": "2"}
        | dict(settings)
    )


@contextlib.contextmanager
def serving(module: str, args: list[str], settings: Mapping[str, str], log: pathlib.Path) -> Iterator[RunningServer]:
    """`python -m module *args` with `settings` as its environment, until the block ends."""
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args], env=child_env(settings), stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield RunningServer(process, f"127.0.0.1:{_port_from(log, process)}", log)
    finally:
        _stop(process)


def _port_from(log: pathlib.Path, process: subprocess.Popen, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := _LISTENING.search(log.read_text()):
            return int(found[1])
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-3000:]}")
        time.sleep(0.1)
    raise TimeoutError(f"server did not report its port within {timeout} s; see {log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def drive(server: RunningServer, mode: str, **options: object) -> dict[str, object]:
    """One client process against `server`; its JSON result plus the server's CPU share."""
    if mode == "payments":
        options = {**options, "server_pid": server.process.pid}
    flags = [item for key, value in options.items() for item in (f"--{key.replace('_', '-')}", str(value))]
    cpu, started = server.cpu_seconds(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.hot_path_load", server.address, mode, *flags],
        env=child_env({}),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"client failed ({done.returncode}): {done.stderr[-2000:]}\n"
            f"server log tail: {server.log.read_text()[-2000:]}"
        )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Over the client's whole life (set-up included): whether the server was the busy side, and its
    # CPU per call, which other load on the machine barely moves (unlike QPS).
    used = server.cpu_seconds() - cpu
    result["server_cpu_share"] = round(used / (time.perf_counter() - started), 2)
    if mode != "payments":  # there, set-up writes dominate the CPU of the measured calls
        result["server_cpu_us_per_call"] = round(used / max(1, int(result["calls"])) * 1e6)
    return result


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new PostgreSQL database for one run, dropped afterwards."""
    name = f"bench_hot_path_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{POSTGRES_URL_BASE}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    """A key prefix of this run's own on the shared Redis; its keys are deleted afterwards."""
    prefix = f"bench-hot-path-{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        for batch in _batches(client.scan_iter(match=f"{prefix}*", count=500), 500):
            client.delete(*batch)
        client.close()


def _batches(keys: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
