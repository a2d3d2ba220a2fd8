"""Health, reflection and graceful shutdown of the server factory."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from commerce.payments.v1 import payment_service_pb2 as ps
from tests.integration.runtime.conftest import Mesh
from tests.waiting import WAIT_SECONDS

SERVICE = "commerce.payments.v1.PaymentService"


async def health_of(mesh: Mesh, service: str = SERVICE) -> int:
    stub = health_pb2_grpc.HealthStub(mesh.channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)).status


async def test_health_is_serving_per_service(mesh: Mesh) -> None:
    assert await health_of(mesh) == health_pb2.HealthCheckResponse.SERVING
    assert await health_of(mesh, "") == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(mesh: Mesh) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(mesh.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")

    async for response in stub.ServerReflectionInfo(iter([request])):
        names = {s.name for s in response.list_services_response.service}
        break

    assert SERVICE in names


@pytest.mark.parametrize("mesh", ["embedded"], indirect=True)
async def test_graceful_shutdown_finishes_in_flight_calls_while_not_serving(mesh: Mesh) -> None:
    mesh.service.gate = asyncio.Event()
    name = f"tenants/{mesh.tenant}/paymentIntents/pi_1"
    in_flight = asyncio.ensure_future(
        mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata(), timeout=10)
    )
    await mesh.service.seen.changes.until(lambda: mesh.service.seen.held == 1, "the call held in the handler")
    watch = health_pb2_grpc.HealthStub(mesh.channel).Watch(
        health_pb2.HealthCheckRequest(service=SERVICE), timeout=WAIT_SECONDS
    )
    statuses = [(await watch.read()).status]

    shutdown = asyncio.ensure_future(mesh.server.shutdown())
    statuses.append((await watch.read()).status)  # the server's own word that shutdown began
    watch.cancel()
    status_while_draining = await health_of(mesh)
    held_meanwhile = mesh.service.seen.held
    mesh.service.gate.set()
    response = await in_flight
    await shutdown

    assert statuses == [health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING]
    assert status_while_draining == health_pb2.HealthCheckResponse.NOT_SERVING and held_meanwhile == 1
    assert response.payment_intent.name == name
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata(), timeout=2)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_caller_deadline_is_seen_by_the_handler(mesh: Mesh) -> None:
    name = f"tenants/{mesh.tenant}/paymentIntents/pi_1"

    await mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata(), timeout=1.5)

    [remaining] = mesh.service.seen.time_remaining
    # The grpc-timeout header rounds the deadline up to its unit, so the server may see a hair more.
    assert remaining is not None and 0 < remaining < 1.5 + 0.01
