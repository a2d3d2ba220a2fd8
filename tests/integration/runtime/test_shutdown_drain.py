"""Graceful shutdown as callers see it: after the drain window the server refuses new calls
UNAVAILABLE with RetryInfo, finishes the calls it accepted, and only then stops; no call is ever
CANCELLED (which no retry policy retries)."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2

from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc
from commerce.type.v1 import money_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.errors import DomainError, common
from mesh.persistence import Database
from services.payments.store import payment_intents
from tests.fixtures.services import ServiceStack
from tests.integration.runtime.conftest import Mesh, status_of
from tests.integration.runtime.service_process import ServiceProcess
from tests.waiting import eventually

CLIENTS = 50
SUCCESSES_BEFORE_SIGTERM = 100


@dataclasses.dataclass
class Outcomes:
    """Every call's result code, and the UNAVAILABLE answers the server itself sent (with RetryInfo)."""

    codes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    refusals: list[DomainError] = dataclasses.field(default_factory=list)
    others: list[str] = dataclasses.field(default_factory=list)
    created: list[str] = dataclasses.field(default_factory=list)  # intents the server said it created
    enough: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def record(self, code: grpc.StatusCode, error: grpc.aio.AioRpcError | None = None) -> None:
        self.codes[code.name] += 1
        if self.codes["OK"] >= SUCCESSES_BEFORE_SIGTERM:
            self.enough.set()
        if code not in (grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE):
            self.others.append(f"{code.name}: {error.details()}")
        if code is grpc.StatusCode.UNAVAILABLE and error.details() == "server shutting down":
            self.refusals.append(DomainError.from_status(status_of(error)))


@pytest.fixture
def database_env(service_stack: ServiceStack) -> dict[str, str]:
    """SQLite (its writers commit in groups) or PostgreSQL and Redis."""
    return service_stack.environment("payments")


@pytest.fixture
def payments_process(database_env: dict[str, str]):
    """The payments service in its own process, with a short drain."""
    process = ServiceProcess(
        "services.payments.main",
        {
            **database_env,
            "SHUTDOWN_DRAIN_SECONDS": "0.5",
            "SHUTDOWN_GRACE_SECONDS": "10",
            # Every client of this test runs in the pytest process, which a full collection of its
            # large heap can stall for longer than the default 0.1 s of quiet: the server would
            # take that for arrivals having stopped, and stop before refusing anyone.
            "SHUTDOWN_QUIET_SECONDS": "2",
            "MAX_CONCURRENT_CALLS": str(CLIENTS * 2),
        },
    )
    yield process
    process.kill()


async def client(stub: payment_service_pb2_grpc.PaymentServiceStub, tenant: str, outcomes: Outcomes) -> None:
    """Creates and reads intents until the server answers UNAVAILABLE: refusing, or gone (a
    balancer would take this client elsewhere then)."""
    metadata = ((TENANT_HEADER, tenant), (CALLER_HEADER, "drain-test"))
    while True:
        try:
            created = await stub.CreatePaymentIntent(
                ps.CreatePaymentIntentRequest(
                    parent=f"tenants/{tenant}",
                    request_id=str(uuid.uuid4()),
                    amount=money_pb2.Money(currency_code="EUR", amount_minor=1000),
                ),
                metadata=metadata,
                timeout=15,
            )
            outcomes.record(grpc.StatusCode.OK)
            outcomes.created.append(created.payment_intent.name)
            await stub.GetPaymentIntent(
                ps.GetPaymentIntentRequest(name=created.payment_intent.name), metadata=metadata, timeout=15
            )
            outcomes.record(grpc.StatusCode.OK)
        except grpc.aio.AioRpcError as error:
            outcomes.record(error.code(), error)
            if error.code() is grpc.StatusCode.UNAVAILABLE:
                return


@pytest.mark.slow
async def test_sigterm_under_load_answers_every_call_ok_or_unavailable_and_keeps_every_write_it_acknowledged(
    payments_process: ServiceProcess, database_env: dict[str, str]
) -> None:
    port = payments_process.wait_until_serving()
    outcomes = Outcomes()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = payment_service_pb2_grpc.PaymentServiceStub(channel)
        tenant = f"t-{uuid.uuid4().hex[:12]}"
        clients = [asyncio.ensure_future(client(stub, tenant, outcomes)) for _ in range(CLIENTS)]
        await asyncio.wait_for(outcomes.enough.wait(), 60)

        payments_process.terminate()
        exit_code = await asyncio.to_thread(payments_process.wait, 60)
        await asyncio.wait_for(asyncio.gather(*clients), 30)

    assert outcomes.others == [], f"{outcomes.codes}\n{payments_process.log()}"
    assert exit_code == 0, payments_process.log()
    assert outcomes.codes["OK"] >= SUCCESSES_BEFORE_SIGTERM and outcomes.refusals
    assert all(r.detail(error_details_pb2.RetryInfo) is not None for r in outcomes.refusals)
    assert await stored_intents(database_env["DATABASE_URL"]) >= {name.rsplit("/", 1)[-1] for name in outcomes.created}


async def stored_intents(url: str) -> set[str]:
    database = Database.from_url(url)
    try:
        async with database.read() as conn:
            return set((await conn.execute(sa.select(payment_intents.c.id))).scalars())
    finally:
        await database.dispose()


@pytest.mark.parametrize("mesh", ["embedded"], indirect=True)
async def test_calls_after_the_drain_are_refused_unavailable_while_accepted_ones_finish(mesh: Mesh) -> None:
    mesh.service.gate = asyncio.Event()
    name = f"tenants/{mesh.tenant}/paymentIntents/pi_1"
    accepted = asyncio.ensure_future(
        mesh.stub.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=mesh.metadata(), timeout=10)
    )
    await mesh.service.seen.changes.until(lambda: mesh.service.seen.held == 1, "the call held in the handler")

    shutdown = asyncio.ensure_future(mesh.server.shutdown())
    refused = await first_refusal(mesh)
    mesh.service.gate.set()
    response = await accepted
    await asyncio.wait_for(shutdown, 10)

    status = DomainError.from_status(status_of(refused))
    assert (refused.code(), status.reason) == (grpc.StatusCode.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE)
    assert status.detail(error_details_pb2.RetryInfo) is not None
    assert response.payment_intent.name == name


async def first_refusal(mesh: Mesh) -> grpc.aio.AioRpcError:
    """Creates intents (served during the drain window) until the server refuses one."""
    refusals: list[grpc.aio.AioRpcError] = []

    async def refused() -> bool:
        try:
            await mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=mesh.metadata(), timeout=5)
        except grpc.aio.AioRpcError as error:
            refusals.append(error)
        return bool(refusals)

    await eventually(refused, "the server refusing a call once its drain window passed", within=10)
    return refusals[0]
