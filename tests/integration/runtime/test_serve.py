"""mesh.service.serve: one process shape for every service, and its shutdown order.

The server stops first (drained, its calls finished) while consumers and workers still run; then
the consumers, then the workers; then the service's own resources, the bus and the runtime."""

from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import signal

import pytest

from mesh.config import MeshSettings
from mesh.events import EventBus
from mesh.runtime import Runtime
from mesh.server import MeshServer
from mesh.service import Service, serve
from tests.integration.runtime.service_process import ServiceProcess


@dataclasses.dataclass
class Timeline:
    """What happened, in order, and an event once the service's background work runs."""

    entries: list[str] = dataclasses.field(default_factory=list)
    running: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def note(self, entry: str) -> None:
        self.entries.append(entry)


class RecordingConsumer:
    def __init__(self, timeline: Timeline) -> None:
        self._timeline = timeline

    async def start(self, subscription: str) -> RecordingConsumer:
        self._timeline.note(f"consumer started on {subscription}")
        return self

    async def stop(self) -> None:
        self._timeline.note("consumer stopped")


@pytest.fixture
def timeline(monkeypatch: pytest.MonkeyPatch) -> Timeline:
    """Also notes when the server has shut down and when the runtime closes."""
    timeline = Timeline()
    shutdown, close = MeshServer.shutdown, Runtime.close

    async def recorded_shutdown(server: MeshServer) -> None:
        await shutdown(server)
        timeline.note("server stopped")

    async def recorded_close(runtime: Runtime) -> None:
        await close(runtime)
        timeline.note("runtime closed")

    monkeypatch.setattr(MeshServer, "shutdown", recorded_shutdown)
    monkeypatch.setattr(Runtime, "close", recorded_close)
    return timeline


def wiring(timeline: Timeline):
    async def worker(stop: asyncio.Event) -> None:
        timeline.running.set()
        await stop.wait()
        timeline.note("worker stopped")

    async def closer() -> None:
        timeline.note("closer ran")

    def wire(settings: MeshSettings, runtime: Runtime, bus: EventBus) -> Service:
        return Service(
            [], consumers=[(RecordingConsumer(timeline), "payments-events")], workers=[worker], closers=[closer]
        )

    return wire


def settings(tmp_path: pathlib.Path) -> MeshSettings:
    return MeshSettings(
        service_name="serve-test",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/serve.db",
        grpc_host="127.0.0.1",
        grpc_port=0,
        shutdown_drain_seconds=0,
    )


ORDER = [
    "consumer started on payments-events",
    "server stopped",
    "consumer stopped",
    "worker stopped",
    "closer ran",
    "runtime closed",
]


async def test_serve_stops_the_server_then_consumers_then_workers_then_resources(
    timeline: Timeline, tmp_path: pathlib.Path
) -> None:
    stop = asyncio.Event()
    serving = asyncio.ensure_future(serve(settings(tmp_path), wiring(timeline), stop=stop))
    await asyncio.wait_for(timeline.running.wait(), 30)
    stop.set()
    await asyncio.wait_for(serving, 30)
    assert timeline.entries == ORDER


async def test_sigterm_shuts_serve_down_in_the_same_order(timeline: Timeline, tmp_path: pathlib.Path) -> None:
    serving = asyncio.ensure_future(serve(settings(tmp_path), wiring(timeline)))
    await asyncio.wait_for(timeline.running.wait(), 30)  # the handlers are in place before workers start
    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(serving, 30)
    assert timeline.entries == ORDER
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # serve's handler is gone with it


@pytest.mark.parametrize("module", ["services.payments.main", "services.invoicing.main"])
def test_each_service_runs_as_its_own_process_and_exits_cleanly_on_sigterm(module: str, tmp_path: pathlib.Path) -> None:
    process = ServiceProcess(
        module, {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/service.db", "SHUTDOWN_DRAIN_SECONDS": "0"}
    )
    try:
        process.wait_until_serving()
        process.terminate()
        assert process.wait(30) == 0, process.log()
    finally:
        process.kill()
