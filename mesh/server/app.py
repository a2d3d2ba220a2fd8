"""grpc.aio server factory.

Lifecycle, as load balancers and Kubernetes probes see it:
- created: health NOT_SERVING for the server ("") and each service;
- started: SERVING;
- shutdown (SIGTERM or `shutdown()`): NOT_SERVING at once while calls are still accepted for
  `shutdown_drain_seconds` (probes and balancers move traffic away); then the server itself
  refuses every new call UNAVAILABLE with RetryInfo (the shedding layer), waits up to
  `shutdown_grace_seconds` for the calls it accepted to finish and for arrivals to stop, and
  only then stops grpc.aio.

Why not simply `server.stop(grace)` after the drain: grpc.aio takes calls from gRPC core one at a
time, and stop() cancels every call core holds that Python has not taken yet (the client sees
CANCELLED, which no retry policy retries; under load that was the last ~0.2 s of the drain).
Refusing them ourselves answers each one UNAVAILABLE instead, and once arrivals have stopped
core holds none.

Services are added as generic handlers only (`GenericHandlersOnly`): for every method registered
with core, grpc.aio's accept loop keeps a pending future and runs `asyncio.wait` over all of
them for each call it takes, so a call cost O(methods served). Payments serves 12 (its two
services, health and reflection): 30 µs of that loop a call, against 12 µs with the one
generic future.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Callable, Sequence
from typing import cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mesh.config import MeshSettings
from mesh.interceptors import Layer, MeshInterceptor
from mesh.interceptors.shedding import Admission
from mesh.rpc import methods_of

log = logging.getLogger("mesh.server")
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclasses.dataclass(frozen=True)
class ServiceBinding:
    """A generated service and how to add its servicer, e.g.
    ServiceBinding("commerce.payments.v1.PaymentService",
                   lambda s: add_PaymentServiceServicer_to_server(PaymentApi(...), s))."""

    full_name: str
    register: Callable[[grpc.aio.Server], None]


class MeshServer:
    def __init__(
        self, settings: MeshSettings, bindings: Sequence[ServiceBinding], layers: Sequence[Layer], admission: Admission
    ) -> None:
        """`admission` is the one the shedding layer in `layers` consults: shutdown closes it."""
        self._settings = settings
        self._admission = admission
        self._names = [b.full_name for b in bindings]
        methods = {path: info for b in bindings for path, info in methods_of(b.full_name).items()}
        self._server = grpc.aio.server(interceptors=[MeshInterceptor(methods, layers)], options=_options(settings))
        self.health = health.aio.HealthServicer()
        registry = cast(grpc.aio.Server, GenericHandlersOnly(self._server))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, registry)
        for binding in bindings:
            binding.register(registry)
        reflection.enable_server_reflection([*self._names, health.SERVICE_NAME, reflection.SERVICE_NAME], registry)
        self.port: int | None = None
        self._stopped = asyncio.Event()

    async def start(self) -> int:
        await self._set_health(NOT_SERVING)
        address = f"{self._settings.grpc_host}:{self._settings.grpc_port}"
        self.port = self._server.add_insecure_port(address)
        await self._server.start()
        await self._set_health(SERVING)
        log.info("serving %s on %s:%d", ", ".join(self._names), self._settings.grpc_host, self.port)
        return self.port

    async def shutdown(self) -> None:
        """Drain, then stop: NOT_SERVING first, refuse new calls later, let in-flight calls finish."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        await self._set_health(NOT_SERVING)
        await asyncio.sleep(self._settings.shutdown_drain_seconds)  # still serving: balancers move away
        self._admission.stop_accepting()
        loop = asyncio.get_running_loop()
        grace_ends = loop.time() + self._settings.shutdown_grace_seconds
        if not await self._settle_until(grace_ends):
            log.warning("grace period over: cutting off %d call(s)", self._admission.in_flight)
        await self._server.stop(max(0.0, grace_ends - loop.time()))
        log.info("stopped")

    async def _settle_until(self, deadline: float) -> bool:
        """Wait for accepted calls to finish and arrivals to stop; False if the deadline came first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline):
                # Quiet is counted in event-loop ticks: until it holds, core may still hold calls
                # that Python has not taken, and stop() would cancel them.
                await self._admission.settled(self._settings.shutdown_quiet_seconds)
                return True
        return False

    async def serve_until_signalled(self) -> None:
        """Run until SIGTERM or SIGINT, then shut down gracefully."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(self.shutdown()))
        await self._server.wait_for_termination()

    async def _set_health(self, status: int) -> None:
        for name in ("", *self._names):
            await self.health.set(name, status)


class GenericHandlersOnly:
    """The server as generated `add_*Servicer_to_server` functions see it: they add each service
    twice, as a generic handler and as methods registered with core; only the first is kept
    (see the module doc). Calls are routed the same either way."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: dict[str, object]) -> None:
        return None


def _options(settings: MeshSettings) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.keepalive_time_ms", settings.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", settings.keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ]
