"""The runtime's fake PaymentService (conftest's Mesh) with its RED metrics read in memory, for
tests that check a refusal is still counted."""

from __future__ import annotations

import uuid

import grpc
from opentelemetry.sdk.metrics import MeterProvider

from mesh.config import MeshSettings
from mesh.runtime import Runtime
from mesh.telemetry import RpcMetrics
from tests.integration.runtime.conftest import Mesh
from tests.integration.runtime.fake_payments import FakePayments, metadata


async def start_metered_mesh(settings: MeshSettings, meter_provider: MeterProvider) -> Mesh:
    runtime = await Runtime.open(settings, record_rpc=RpcMetrics(meter_provider).record)
    async with runtime.database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    service = FakePayments(runtime.database)
    server = runtime.server([service.binding()])
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Mesh(runtime, server, service, channel, tenant=f"t-{uuid.uuid4().hex[:12]}")


def requests_counted(captured_metrics, method: str) -> dict[str, int]:
    """rpc.server.requests of one method (its full path), by status code name."""
    return {
        p.attributes["rpc.grpc.status_code"]: p.value
        for p in captured_metrics.points("rpc.server.requests")
        if p.attributes["rpc.method"] == method
    }
