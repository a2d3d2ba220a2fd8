"""Assembles the runtime for one service: database, idempotency, telemetry, the server.

A service's main.py only says which services it binds and which migrations it adds:

    runtime = await Runtime.open(settings, migrations=[PAYMENTS_MIGRATIONS])
    server = runtime.server([ServiceBinding(...)])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mesh.config import MeshSettings
from mesh.idempotency import (
    FastPath,
    Fingerprinter,
    IdempotencyGuard,
    IdempotencyPolicy,
    MemoryFastPath,
    RedisFastPath,
)
from mesh.idempotency.secret import fingerprint_key
from mesh.interceptors import Layer
from mesh.interceptors.auth import auth_layer
from mesh.interceptors.decoding import decoding_layer
from mesh.interceptors.error_mapping import error_mapping_layer
from mesh.interceptors.idempotency import idempotency_layer
from mesh.interceptors.shedding import Admission, shedding_layer
from mesh.interceptors.telemetry import Recorder, telemetry_layer
from mesh.interceptors.validation import validation_layer
from mesh.persistence import RUNTIME_MIGRATIONS, Database, MigrationSet, PoolSettings, migrate
from mesh.server import MeshServer, ServiceBinding
from mesh.telemetry import RpcMetrics, configure_logging, configure_metrics, configure_tracing, instrument_grpc


@dataclasses.dataclass
class Runtime:
    settings: MeshSettings
    database: Database
    guard: IdempotencyGuard
    record_rpc: Recorder

    @classmethod
    async def open(
        cls,
        settings: MeshSettings,
        *,
        migrations: Sequence[MigrationSet] = (),
        fast_path: FastPath | None = None,
        record_rpc: Recorder | None = None,
        unfingerprinted: frozenset[str] = frozenset(),
    ) -> Runtime:
        """`unfingerprinted`: request fields (full proto names) that must not persist in any
        form, not even hashed, such as a CVC; they take no part in idempotency fingerprints."""
        instrument_grpc()  # before any server or channel exists: later ones are traced
        database = Database.from_url(settings.database_url, _pool(settings))
        await migrate(database, RUNTIME_MIGRATIONS, *migrations)
        policy = IdempotencyPolicy(ttl=settings.idempotency_ttl, lock_ttl=settings.idempotency_lock_ttl)
        fingerprinter = Fingerprinter(fingerprint_key(settings), unfingerprinted)
        guard = IdempotencyGuard(fast_path or _fast_path(settings), database, policy, fingerprinter)
        return cls(settings, database, guard, record_rpc or RpcMetrics().record)

    def layers(self, admission: Admission) -> list[Layer]:
        """The interceptor layers in their documented order (see mesh.interceptors)."""
        return [
            telemetry_layer(self.record_rpc),
            shedding_layer(admission),
            decoding_layer(),
            auth_layer(),
            validation_layer(),
            idempotency_layer(self.guard),
            error_mapping_layer(),
        ]

    def server(self, bindings: Sequence[ServiceBinding]) -> MeshServer:
        admission = Admission.from_settings(self.settings)  # shared: the server stops through it
        return MeshServer(self.settings, bindings, self.layers(admission), admission)

    async def close(self) -> None:
        await self.guard.fast_path.aclose()
        await self.database.dispose()


def configure_process(settings: MeshSettings) -> None:
    """Process-wide telemetry, once, by a service's entry point: traces, JSON logs, gRPC spans,
    and RED metrics exported to the collector when one is set (with none, the metrics stay
    OpenTelemetry's no-op: an SDK provider with nowhere to send them cost 5 µs a call)."""
    configure_tracing(settings)
    configure_logging(settings)
    if settings.otel_exporter_otlp_endpoint:
        configure_metrics(settings)
    instrument_grpc()


def _pool(settings: MeshSettings) -> PoolSettings:
    return PoolSettings(
        size=settings.database_pool_size,
        direct_size=settings.database_direct_pool_size,
        max_overflow=settings.database_max_overflow,
        pre_ping=settings.database_pool_pre_ping,
    )


def _fast_path(settings: MeshSettings) -> FastPath:
    if settings.redis_url:
        return RedisFastPath.from_url(settings.redis_url, settings.redis_key_prefix)
    return MemoryFastPath()
