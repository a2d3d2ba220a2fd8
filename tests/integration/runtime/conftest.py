"""A running mesh server with the fake PaymentService, on each backend:
- embedded: SQLite + in-memory idempotency fast path (the zero-set-up default);
- production: PostgreSQL + Redis (real servers)."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import status_pb2

from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc
from commerce.type.v1 import money_pb2
from mesh.config import MeshSettings
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.idempotency import FastPath
from mesh.runtime import Runtime
from mesh.server import MeshServer
from tests.integration.runtime.fake_payments import FakePayments, metadata


@dataclasses.dataclass
class Mesh:
    """The server under test, its runtime and fake service, and a client for one tenant."""

    runtime: Runtime
    server: MeshServer
    service: FakePayments
    channel: grpc.aio.Channel
    tenant: str

    @property
    def stub(self) -> payment_service_pb2_grpc.PaymentServiceStub:
        return payment_service_pb2_grpc.PaymentServiceStub(self.channel)

    def metadata(self, tenant: str | None = None) -> tuple[tuple[str, str], ...]:
        return ((TENANT_HEADER, tenant or self.tenant), (CALLER_HEADER, "tests"))

    def create_request(
        self, request_id: str | None = None, amount: int = 1050, **fields
    ) -> ps.CreatePaymentIntentRequest:
        return ps.CreatePaymentIntentRequest(
            parent=f"tenants/{self.tenant}",
            request_id=request_id or str(uuid.uuid4()),
            amount=money_pb2.Money(currency_code="EUR", amount_minor=amount),
            **fields,
        )


def status_of(err: grpc.aio.AioRpcError) -> status_pb2.Status:
    """The google.rpc.Status the server sent (code, message and details)."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError(f"no status details in {err!r}")


def settings_for(backend: str, tmp_path, request) -> MeshSettings:
    common = dict(
        service_name="payments-test",
        shutdown_drain_seconds=0.3,
        shutdown_grace_seconds=5,
        idempotency_lock_ttl=datetime.timedelta(seconds=30),
    )
    if backend == "embedded":
        return MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/mesh.db", **common)
    redis_server = request.getfixturevalue("redis_server")
    return MeshSettings(
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=redis_server.url,
        redis_key_prefix=f"test-{uuid.uuid4().hex}:",
        **common,
    )


async def start_mesh(settings: MeshSettings, fast_path: FastPath | None = None) -> Mesh:
    runtime = await Runtime.open(settings, fast_path=fast_path)
    async with runtime.database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    service = FakePayments(runtime.database)
    server = runtime.server([service.binding()])
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Mesh(runtime, server, service, channel, tenant=f"t-{uuid.uuid4().hex[:12]}")


async def stop_mesh(mesh: Mesh) -> None:
    await mesh.channel.close()
    await mesh.server.shutdown()
    await mesh.runtime.close()


@pytest.fixture(params=["embedded", "production"])
async def mesh(request, tmp_path) -> AsyncIterator[Mesh]:
    running = await start_mesh(settings_for(request.param, tmp_path, request))
    running.backend = request.param
    yield running
    await stop_mesh(running)
