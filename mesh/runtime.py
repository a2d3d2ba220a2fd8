"""Assembles the runtime for one service: database, idempotency, telemetry, the server.

A service's main.py only says which services it binds and which migrations it adds:

    runtime = await Runtime.open(settings, migrations=[PAYMENTS_MIGRATIONS])
    server = runtime.server([ServiceBinding(...)])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mesh.config import MeshSettings
from mesh.idempotency import FastPath, IdempotencyGuard, IdempotencyPolicy, MemoryFastPath, RedisFastPath
from mesh.interceptors import Layer
from mesh.interceptors.auth import auth_layer
from mesh.interceptors.error_mapping import error_mapping_layer
from mesh.interceptors.idempotency import idempotency_layer
from mesh.interceptors.telemetry import Recorder, telemetry_layer
from mesh.interceptors.validation import validation_layer
from mesh.persistence import RUNTIME_MIGRATIONS, Database, MigrationSet, migrate
from mesh.server import MeshServer, ServiceBinding
from mesh.telemetry import RpcMetrics, configure_logging, configure_tracing, instrument_grpc


@dataclasses.dataclass
class Runtime:
    settings: MeshSettings
    database: Database
    guard: IdempotencyGuard
    record_rpc: Recorder

    @classmethod
    async def open(cls, settings: MeshSettings, *, migrations: Sequence[MigrationSet] = (),
                   fast_path: FastPath | None = None, record_rpc: Recorder | None = None) -> Runtime:
        instrument_grpc()  # before any server or channel exists: later ones are traced
        database = Database.from_url(settings.database_url)
        await migrate(database, RUNTIME_MIGRATIONS, *migrations)
        policy = IdempotencyPolicy(ttl=settings.idempotency_ttl, lock_ttl=settings.idempotency_lock_ttl)
        guard = IdempotencyGuard(fast_path or _fast_path(settings), database, policy)
        return cls(settings, database, guard, record_rpc or RpcMetrics().record)

    def layers(self) -> list[Layer]:
        """The interceptor layers in their documented order (see mesh.interceptors)."""
        return [
            telemetry_layer(self.record_rpc),
            auth_layer(),
            validation_layer(),
            idempotency_layer(self.guard),
            error_mapping_layer(),
        ]

    def server(self, bindings: Sequence[ServiceBinding]) -> MeshServer:
        return MeshServer(self.settings, bindings, self.layers())

    async def close(self) -> None:
        await self.guard.fast_path.aclose()
        await self.database.dispose()


def configure_process(settings: MeshSettings) -> None:
    """Process-wide telemetry, once, by a service's entry point: traces, JSON logs, gRPC spans."""
    configure_tracing(settings)
    configure_logging(settings)
    instrument_grpc()


def _fast_path(settings: MeshSettings) -> FastPath:
    if settings.redis_url:
        return RedisFastPath.from_url(settings.redis_url, settings.redis_key_prefix)
    return MemoryFastPath()
