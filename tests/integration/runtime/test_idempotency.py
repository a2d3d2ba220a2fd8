"""Idempotency keys against the real servers: SQLite + memory, and PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2, status_pb2

from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.config import MeshSettings
from mesh.errors import Code, DomainError, common
from mesh.idempotency import TRANSIENT_CODES
from mesh.persistence.tables import idempotency_records
from mesh.resilience.rpc_errors import domain_error_of
from tests.integration.runtime.conftest import Mesh, start_mesh, status_of, stop_mesh
from tests.integration.runtime.fake_payments import effect_count
from tests.waiting import WAIT_SECONDS


def reason_of(err: grpc.aio.AioRpcError) -> str:
    return domain_error_of(err).reason.name


async def call_until_answered(mesh: Mesh, request, refused: asyncio.Event | None = None) -> tuple[object, int]:
    """What a well-behaved client does: retry ABORTED after a short backoff (set `refused` on each)."""
    aborted = 0
    while True:
        try:
            response = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata(), timeout=30)
            return response, aborted
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.ABORTED:
                raise
            assert reason_of(err) == "REQUEST_IN_PROGRESS"
            aborted += 1
            if refused is not None:
                refused.set()
            await asyncio.sleep(0.05)  # the client's backoff between attempts, not a wait for anything


async def test_fifty_concurrent_calls_with_one_request_id_execute_once(mesh: Mesh) -> None:
    mesh.service.create_gate = asyncio.Event()  # the first execution runs until another call was refused
    request = mesh.create_request()
    refused = asyncio.Event()

    calls = asyncio.gather(*(call_until_answered(mesh, request, refused) for _ in range(50)))
    await asyncio.wait_for(refused.wait(), WAIT_SECONDS)
    mesh.service.create_gate.set()
    results = await calls

    responses = {r.SerializeToString(deterministic=True) for r, _ in results}
    assert len(responses) == 1
    assert mesh.service.seen.executions == 1
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 1
    assert sum(aborted for _, aborted in results) > 0  # the in-progress path was exercised


async def test_same_request_id_and_request_replays_first_response(mesh: Mesh) -> None:
    request = mesh.create_request()

    first = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    second = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    assert first == second
    assert mesh.service.seen.executions == 1


async def test_same_request_id_with_different_request_is_refused(mesh: Mesh) -> None:
    request = mesh.create_request(amount=1000)
    await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(
            mesh.create_request(request.request_id, amount=2000), metadata=mesh.metadata()
        )

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(raised.value) == "IDEMPOTENCY_KEY_REUSED"
    assert mesh.service.seen.executions == 1


async def test_request_id_is_scoped_by_tenant(mesh: Mesh) -> None:
    request = mesh.create_request()
    other_tenant = f"t-{uuid.uuid4().hex[:12]}"
    other = type(request)()
    other.CopyFrom(request)
    other.parent = f"tenants/{other_tenant}"

    await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    await mesh.stub.CreatePaymentIntent(other, metadata=mesh.metadata(other_tenant))

    assert mesh.service.seen.executions == 2


async def test_domain_error_outcome_is_stored_and_replayed(mesh: Mesh) -> None:
    request = mesh.create_request(description="decline")

    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
        assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert reason_of(raised.value) == "CARD_DECLINED"

    assert mesh.service.seen.executions == 1
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 0  # the effect rolled back


async def stored_records(mesh: Mesh) -> list:
    async with mesh.runtime.database.transaction() as conn:
        return list(
            await conn.execute(sa.select(idempotency_records).where(idempotency_records.c.tenant == mesh.tenant))
        )


async def call_failing(mesh: Mesh, request) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    return raised.value


async def test_error_that_keeps_effects_commits_them_with_the_stored_error(mesh: Mesh) -> None:
    request = mesh.create_request(description="decline-kept")

    first = await call_failing(mesh, request)
    second = await call_failing(mesh, request)

    assert first.code() == second.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert domain_error_of(first).detail(error_details_pb2.ErrorInfo).metadata["decline_code"] == "insufficient_funds"
    assert status_of(first) == status_of(second)  # code, message and details: the replay is the first answer
    assert mesh.service.seen.executions == 1
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 1  # the effect committed
    [record] = await stored_records(mesh)
    assert record.status_code == grpc.StatusCode.FAILED_PRECONDITION.value[0] and record.response is None
    assert status_pb2.Status.FromString(record.status) == status_of(first)


async def test_plain_domain_error_stores_the_error_but_not_the_effects(mesh: Mesh) -> None:
    await call_failing(mesh, mesh.create_request(description="decline"))

    assert await effect_count(mesh.runtime.database, mesh.tenant) == 0
    [record] = await stored_records(mesh)
    assert record.status_code == grpc.StatusCode.FAILED_PRECONDITION.value[0]


@pytest.mark.parametrize("mesh", ["production"], indirect=True)
async def test_kept_error_is_replayed_from_the_database_after_redis_flushall(mesh: Mesh, redis_server) -> None:
    request = mesh.create_request(description="decline-kept")
    first = await call_failing(mesh, request)

    redis_server.client().flushall()
    second = await call_failing(mesh, request)

    assert status_of(first) == status_of(second)
    assert mesh.service.seen.executions == 1
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 1


async def test_keep_effects_on_a_read_changes_nothing(mesh: Mesh) -> None:
    name = f"tenants/{mesh.tenant}/paymentIntents/decline-kept"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata())

    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(raised.value) == "CARD_DECLINED"
    assert await stored_records(mesh) == []


@pytest.mark.parametrize("code", sorted(TRANSIENT_CODES, key=lambda c: c.name) + [Code.OK])
def test_keep_effects_is_refused_with_a_code_a_retry_could_change(code: Code) -> None:
    with pytest.raises(ValueError, match="keep_effects"):
        DomainError(code, common.INTERNAL, "try again", keep_effects=True)


def test_an_error_formed_elsewhere_never_keeps_effects() -> None:
    kept = DomainError(Code.FAILED_PRECONDITION, common.NOT_FOUND, "gone", keep_effects=True)

    assert kept.keep_effects is True
    assert DomainError.from_status(kept.status).keep_effects is False  # a replay, or a downstream's answer


async def test_validation_failure_is_not_stored(mesh: Mesh) -> None:
    request_id = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(mesh.create_request(request_id, amount=0), metadata=mesh.metadata())
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    await mesh.stub.CreatePaymentIntent(mesh.create_request(request_id, amount=500), metadata=mesh.metadata())

    assert mesh.service.seen.executions == 1


async def test_unexpected_failure_releases_the_key_for_a_retry(mesh: Mesh) -> None:
    request = mesh.create_request(description="boom")

    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
        assert raised.value.code() == grpc.StatusCode.INTERNAL

    assert mesh.service.seen.executions == 2  # nothing committed, so the retry ran again
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 0


@pytest.mark.parametrize("mesh", ["production"], indirect=True)
async def test_replay_after_redis_flushall_comes_from_the_database(mesh: Mesh, redis_server) -> None:
    request = mesh.create_request()
    first = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    redis_server.client().flushall()
    second = await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())

    assert second == first
    assert mesh.service.seen.executions == 1
    assert await effect_count(mesh.runtime.database, mesh.tenant) == 1


@pytest.mark.parametrize("mesh", ["production"], indirect=True)
async def test_redis_flushed_mid_flight_still_executes_once(mesh: Mesh, redis_server) -> None:
    mesh.service.create_gate = asyncio.Event()
    request = mesh.create_request()
    first = asyncio.ensure_future(mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata()))
    await mesh.service.seen.changes.until(lambda: mesh.service.seen.held == 1, "the first execution held")
    redis_server.client().flushall()  # the in-progress claim is gone: the database must guard

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # the durable record says it is running
        await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    assert (raised.value.code(), reason_of(raised.value)) == (grpc.StatusCode.ABORTED, "REQUEST_IN_PROGRESS")
    mesh.service.create_gate.set()

    assert await first == await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())
    assert (mesh.service.seen.executions, await effect_count(mesh.runtime.database, mesh.tenant)) == (1, 1)


async def test_redis_down_fails_closed_and_writes_nothing(tmp_path, request, own_redis_server, postgres_url) -> None:
    settings = MeshSettings(
        database_url=postgres_url,
        redis_url=own_redis_server.url,
        redis_key_prefix=f"test-{uuid.uuid4().hex}:",
        shutdown_drain_seconds=0,
    )
    mesh = await start_mesh(settings)
    try:
        own_redis_server.stop()

        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=mesh.metadata())

        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        assert reason_of(raised.value) == "IDEMPOTENCY_UNAVAILABLE"
        assert mesh.service.seen.executions == 0
        assert await effect_count(mesh.runtime.database, mesh.tenant) == 0
        async with mesh.runtime.database.transaction() as conn:
            rows = await conn.execute(sa.select(idempotency_records).where(idempotency_records.c.tenant == mesh.tenant))
            assert rows.first() is None
    finally:
        await stop_mesh(mesh)
