"""The invoicing service over real gRPC, on SQLite + memory and on PostgreSQL + Redis, with a
way to book payment events as its consumer would."""

from __future__ import annotations

import dataclasses
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.message import Message

from commerce.event.v1 import envelope_pb2
from commerce.invoicing.v1 import ledger_service_pb2_grpc
from commerce.payments.v1 import events_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.events import EventContext
from mesh.runtime import Runtime
from services.invoicing.app import InvoicingApp
from services.invoicing.handlers import payment_handlers
from services.invoicing.main import bindings
from services.invoicing.migrations import INVOICING_MIGRATIONS

PSP = "sandbox-alpha"


def eur(minor: int) -> dict:
    return {"currency_code": "EUR", "amount_minor": minor}


@dataclasses.dataclass
class LedgerUnderTest:
    runtime: Runtime
    app: InvoicingApp
    channel: grpc.aio.Channel
    tenant: str

    @property
    def ledger(self) -> ledger_service_pb2_grpc.LedgerServiceStub:
        return ledger_service_pb2_grpc.LedgerServiceStub(self.channel)

    def md(self, tenant: str | None = None):
        return ((TENANT_HEADER, tenant or self.tenant), (CALLER_HEADER, "tests"))

    def account(self, account_id: str) -> str:
        return f"tenants/{self.tenant}/accounts/{account_id}"

    def intent(self, intent_id: str) -> str:
        return f"tenants/{self.tenant}/paymentIntents/{intent_id}"

    async def book(self, event: Message, event_id: str | None = None) -> str:
        """Handle `event` as the invoicing consumer would (inside one transaction); its event id."""
        envelope = envelope_pb2.EventEnvelope(id=event_id or str(uuid.uuid4()), type=event.DESCRIPTOR.full_name,
                                              tenant=self.tenant, subject=getattr(event, "payment_intent", ""))
        envelope.data.Pack(event)
        async with self.runtime.database.transaction() as conn:
            await payment_handlers(self.app)[envelope.type](event, EventContext(envelope, conn, 1))
        return envelope.id

    async def authorize_capture_refund(self, intent_id: str, *, amount: int, fee: int, refund: int) -> list[str]:
        """The ledger's view of one card payment: authorized, captured in full, partly refunded."""
        name = self.intent(intent_id)
        return [
            await self.book(events_pb2.PaymentAuthorized(payment_intent=name, amount=eur(amount), psp=PSP,
                                                         psp_reference=f"auth-{intent_id}")),
            await self.book(events_pb2.PaymentCaptured(payment_intent=name, amount=eur(amount),
                                                       amount_captured_total=eur(amount), fee=eur(fee), psp=PSP,
                                                       psp_reference=f"cap-{intent_id}")),
            await self.book(events_pb2.PaymentRefunded(payment_intent=name, refund=f"{name}/refunds/re_{intent_id}",
                                                       amount=eur(refund), amount_refunded_total=eur(refund),
                                                       psp=PSP, psp_reference=f"ref-{intent_id}")),
        ]

    async def sql(self, *statements: str) -> None:
        async with self.runtime.database.transaction() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))


@pytest.fixture
async def ledger(service_stack):
    runtime = await Runtime.open(service_stack.settings("invoicing"), migrations=[INVOICING_MIGRATIONS])
    app = InvoicingApp(runtime.database)
    server = runtime.server(bindings(app))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield LedgerUnderTest(runtime, app, channel, tenant=f"t-{uuid.uuid4().hex[:10]}")
    await channel.close()
    await server.shutdown()
    await runtime.close()
