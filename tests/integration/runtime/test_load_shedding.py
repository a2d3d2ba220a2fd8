"""Load shedding through a real server: beyond its concurrency limit it refuses at once with
RESOURCE_EXHAUSTED and RetryInfo instead of queueing, recovers as soon as calls finish, never sheds
health checks or reflection, and never starts a call whose deadline is (nearly) spent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.config import MeshSettings
from mesh.errors import DomainError
from tests.integration.runtime.conftest import Mesh, status_of
from tests.integration.runtime.metered_mesh import requests_counted, start_metered_mesh

LIMIT = 2
MIN_DEADLINE = 1.0
GET = "/commerce.payments.v1.PaymentService/GetPaymentIntent"


@pytest.fixture
async def small_mesh(tmp_path, captured_metrics) -> AsyncIterator[Mesh]:
    """A server that runs at most LIMIT calls at once and starts none with under MIN_DEADLINE left."""
    settings = MeshSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db",
        shutdown_drain_seconds=0,
        max_concurrent_calls=LIMIT,
        min_deadline_seconds=MIN_DEADLINE,
    )
    mesh = await start_metered_mesh(settings, captured_metrics.provider)
    mesh.service.gate = asyncio.Event()  # GetPaymentIntent blocks on it until the test releases it
    yield mesh
    mesh.service.gate.set()
    await mesh.channel.close()
    await mesh.server.shutdown()
    await mesh.runtime.close()


def get(mesh: Mesh, timeout: float = 10):
    name = f"tenants/{mesh.tenant}/paymentIntents/pi_1"
    return mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata(), timeout=timeout)


async def fill_to_the_limit(mesh: Mesh) -> list[asyncio.Future]:
    """LIMIT calls blocked inside the handler."""
    blocked = [asyncio.ensure_future(get(mesh)) for _ in range(LIMIT)]
    await mesh.service.seen.changes.until(lambda: mesh.service.seen.held == LIMIT, f"{LIMIT} calls held in the handler")
    return blocked


async def refusal_of(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


async def test_calls_beyond_the_limit_are_shed_with_retry_info_and_recover(small_mesh: Mesh, captured_metrics) -> None:
    blocked = await fill_to_the_limit(small_mesh)

    shed = await refusal_of(get(small_mesh, timeout=5))
    small_mesh.service.gate.set()
    finished = await asyncio.gather(*blocked)
    after = await get(small_mesh, timeout=5)  # the very next call: no retry, no waiting

    status = DomainError.from_status(status_of(shed))
    assert shed.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status.reason.name == "RATE_LIMITED"
    assert status.detail(error_details_pb2.RetryInfo).retry_delay.ToTimedelta().total_seconds() > 0
    assert len(finished) == LIMIT and after.payment_intent.name.endswith("/pi_1")
    assert len(small_mesh.service.seen.callers) == LIMIT + 1  # the shed call never reached the handler
    assert requests_counted(captured_metrics, GET) == {"OK": LIMIT + 1, "RESOURCE_EXHAUSTED": 1}


async def test_health_and_reflection_are_never_shed(small_mesh: Mesh) -> None:
    await fill_to_the_limit(small_mesh)

    health = await health_pb2_grpc.HealthStub(small_mesh.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    reflection = reflection_pb2_grpc.ServerReflectionStub(small_mesh.channel).ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    listed = [response async for response in reflection]

    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert listed[0].list_services_response.service


async def test_call_with_too_little_deadline_left_never_reaches_the_handler(small_mesh: Mesh, captured_metrics) -> None:
    small_mesh.service.gate.set()

    too_late = await refusal_of(get(small_mesh, timeout=MIN_DEADLINE / 2))
    in_time = await get(small_mesh, timeout=MIN_DEADLINE * 5)

    assert too_late.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert len(small_mesh.service.seen.callers) == 1  # only the call with time to spare ran
    assert in_time.payment_intent.name.endswith("/pi_1")
    assert requests_counted(captured_metrics, GET) == {"OK": 1, "DEADLINE_EXCEEDED": 1}
