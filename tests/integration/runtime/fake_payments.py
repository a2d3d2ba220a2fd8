"""A small PaymentService that exercises the runtime: counts executions, writes an effect row
in the request's transaction, and fails or stalls on demand (driven by `description`: "boom",
"decline", "decline-kept" for a CARD_DECLINED that keeps its effects). Every change to what it has
seen is announced on `seen.changes`, so a test awaits "the call is inside the handler" instead
of polling for it."""

from __future__ import annotations

import asyncio
import dataclasses

import sqlalchemy as sa

from commerce.payments.v1 import (
    error_reason_pb2,
    payment_intent_pb2,
    payment_service_pb2,
    payment_service_pb2_grpc,
)
from mesh import context as request_context
from mesh.errors import Code, DomainError, reason_of
from mesh.idempotency import atomic_phase
from mesh.ids import derive_id
from mesh.persistence import Database
from mesh.server import ServiceBinding
from tests.waiting import Changes

metadata = sa.MetaData()
effects = sa.Table(
    "test_payment_effects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant", sa.String(64), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)
SERVICE = "commerce.payments.v1.PaymentService"


@dataclasses.dataclass
class Observed:
    executions: int = 0
    time_remaining: list[float | None] = dataclasses.field(default_factory=list)
    callers: list[str] = dataclasses.field(default_factory=list)
    held: int = 0  # calls waiting at a gate right now
    connections_cut: int = 0  # "connection-lost-once" requests whose database connection was cut
    changes: Changes = dataclasses.field(default_factory=Changes)


class FakePayments(payment_service_pb2_grpc.PaymentServiceServicer):
    def __init__(self, database: Database) -> None:
        self.db = database
        self.seen = Observed()
        self.gate: asyncio.Event | None = None  # GetPaymentIntent waits on it
        self.create_gate: asyncio.Event | None = None  # CreatePaymentIntent waits on it

    async def CreatePaymentIntent(self, request, context):
        self.seen.executions += 1
        self.seen.changes.announce()
        if self.create_gate is not None:
            await self._held(self.create_gate)
        tenant = request_context.current().tenant
        intent_id = derive_id("pi", tenant, request.request_id)
        # One atomic phase: an error raised inside it rolls its writes back, unless it keeps them.
        async with atomic_phase(self.db, "effect_written") as conn:
            await conn.execute(
                sa.insert(effects).values(id=intent_id, tenant=tenant, amount_minor=request.amount.amount_minor)
            )
            if request.description == "boom":
                raise RuntimeError("secret internal detail, card 4242424242424242")
            if request.description == "connection-lost-once" and not self.seen.connections_cut:
                self.seen.connections_cut += 1  # PostgreSQL ends this transaction's own connection
                await conn.execute(sa.select(sa.func.pg_terminate_backend(sa.func.pg_backend_pid())))
            if request.description in ("decline", "decline-kept"):
                raise declined(keep_effects=request.description == "decline-kept")
        intent = payment_intent_pb2.PaymentIntent(
            name=f"{request.parent}/paymentIntents/{intent_id}",
            amount=request.amount,
            state=payment_intent_pb2.PAYMENT_INTENT_STATE_REQUIRES_PAYMENT_METHOD,
        )
        return payment_service_pb2.CreatePaymentIntentResponse(payment_intent=intent)

    async def GetPaymentIntent(self, request, context):
        if request.name.endswith("/decline-kept"):  # a read has no guard: the flag must change nothing
            raise declined(keep_effects=True)
        ctx = request_context.current()
        self.seen.time_remaining.append(ctx.time_remaining())
        self.seen.callers.append(ctx.caller)
        self.seen.changes.announce()
        if self.gate is not None:
            await self._held(self.gate)
        return payment_service_pb2.GetPaymentIntentResponse(
            payment_intent=payment_intent_pb2.PaymentIntent(name=request.name)
        )

    async def _held(self, gate: asyncio.Event) -> None:
        self.seen.held += 1
        self.seen.changes.announce()
        try:
            await gate.wait()
        finally:
            self.seen.held -= 1
            self.seen.changes.announce()

    def binding(self) -> ServiceBinding:
        return ServiceBinding(
            SERVICE, lambda server: payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(self, server)
        )


def declined(*, keep_effects: bool) -> DomainError:
    return DomainError(
        Code.FAILED_PRECONDITION,
        reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_CARD_DECLINED),
        "the card was declined",
        metadata={"decline_code": "insufficient_funds"},
        keep_effects=keep_effects,
    )


async def effect_count(database: Database, tenant: str) -> int:
    async with database.transaction() as conn:
        return (
            await conn.execute(sa.select(sa.func.count()).select_from(effects).where(effects.c.tenant == tenant))
        ).scalar_one()
