"""The error contract as a caller sees it: validation, auth, unexpected failures."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from sqlalchemy import exc as sa_exc

from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.idempotency import MemoryFastPath
from tests.integration.runtime.conftest import Mesh, settings_for, start_mesh, status_of, stop_mesh
from tests.integration.runtime.fake_payments import effect_count


def details(err: grpc.aio.AioRpcError, cls):
    found = []
    for packed in status_of(err).details:
        message = cls()
        if packed.Unpack(message):
            found.append(message)
    return found


async def test_validation_errors_carry_field_paths(mesh: Mesh) -> None:
    request = mesh.create_request(amount=-5)
    request.request_id = "not-a-uuid"

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [info] = details(raised.value, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("VALIDATION_FAILED", "commerce.type.v1")
    [bad_request] = details(raised.value, error_details_pb2.BadRequest)
    assert {v.field for v in bad_request.field_violations} == {"request_id", "amount"}
    assert mesh.service.seen.executions == 0


async def test_nested_field_violation_has_a_dotted_path(mesh: Mesh) -> None:
    request = mesh.create_request()
    request.amount.currency_code = "euro"

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    [bad_request] = details(raised.value, error_details_pb2.BadRequest)
    assert [v.field for v in bad_request.field_violations] == ["amount.currency_code"]


async def test_unexpected_exception_reaches_caller_as_internal_without_its_message(mesh: Mesh) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(mesh.create_request(description="boom"), metadata=mesh.metadata())

    err = raised.value
    assert err.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in err.details() and "4242" not in err.details()
    assert "reference" in err.details()
    [info] = details(err, error_details_pb2.ErrorInfo)
    assert info.reason == "INTERNAL"


async def test_a_lost_database_connection_is_unavailable_and_the_retry_applies_once(mesh: Mesh) -> None:
    if mesh.backend != "production":
        pytest.skip("PostgreSQL ends a connection on request; SQLite has no connection to lose")
    request = mesh.create_request(description="connection-lost-once")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    effects_after_failure = await effect_count(mesh.runtime.database, mesh.tenant)
    retried = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    [info] = details(raised.value, error_details_pb2.ErrorInfo)
    [retry] = details(raised.value, error_details_pb2.RetryInfo)
    assert info.reason == "DEPENDENCY_UNAVAILABLE" and info.metadata["dependency"] == "database"
    assert retry.retry_delay.ToTimedelta().total_seconds() > 0
    assert mesh.service.seen.connections_cut == 1 and effects_after_failure == 0
    assert retried.payment_intent.name and await effect_count(mesh.runtime.database, mesh.tenant) == 1


async def test_missing_tenant_is_unauthenticated(mesh: Mesh) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(mesh.create_request())

    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert mesh.service.seen.executions == 0


async def test_resource_of_another_tenant_is_refused(mesh: Mesh) -> None:
    request = ps.GetPaymentIntentRequest(name="tenants/someone-else/paymentIntents/pi_1")

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.GetPaymentIntent(request, metadata=mesh.metadata())

    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    [info] = details(raised.value, error_details_pb2.ErrorInfo)
    assert info.reason == "TENANT_MISMATCH"
    assert mesh.service.seen.time_remaining == []  # the handler never ran


class FailingFastPath(MemoryFastPath):
    """A fast path whose claims fail with `error`: the guard's own failure, not a handler's."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def claim(self, key, fingerprint, lock_ttl):
        raise self.error


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (RuntimeError("secret guard detail"), grpc.StatusCode.INTERNAL, "INTERNAL"),
        (
            sa_exc.DBAPIError("SELECT secret", None, Exception("gone"), connection_invalidated=True),
            grpc.StatusCode.UNAVAILABLE,
            "DEPENDENCY_UNAVAILABLE",
        ),
    ],
)
async def test_a_failure_of_the_guard_itself_gets_the_error_contract(tmp_path, error, code, reason) -> None:
    mesh = await start_mesh(settings_for("embedded", tmp_path, None), fast_path=FailingFastPath(error))
    try:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=mesh.metadata())
    finally:
        await stop_mesh(mesh)

    assert raised.value.code() == code and "secret" not in raised.value.details()
    [info] = details(raised.value, error_details_pb2.ErrorInfo)
    assert info.reason == reason and mesh.service.seen.executions == 0
