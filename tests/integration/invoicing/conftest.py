"""The invoicing service over real gRPC, on SQLite + memory and on PostgreSQL + Redis, with a
way to book payment events as its consumer would (`ledger` for the ledger, `billing` for the
whole service)."""

from __future__ import annotations

import dataclasses
import uuid

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.message import Message

from commerce.event.v1 import envelope_pb2
from commerce.invoicing.v1 import (
    invoice_pb2,
    invoice_service_pb2_grpc,
    ledger_service_pb2_grpc,
    reconciliation_service_pb2_grpc,
)
from commerce.invoicing.v1 import invoice_service_pb2 as ins
from commerce.payments.v1 import events_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.events import EventContext
from mesh.runtime import Runtime
from services.invoicing.app import InvoicingApp
from services.invoicing.handlers import payment_handlers
from services.invoicing.main import bindings
from services.invoicing.migrations import INVOICING_MIGRATIONS
from tests.integration.invoicing.payments_stack import payments_and_invoicing

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
        envelope = envelope_pb2.EventEnvelope(
            id=event_id or str(uuid.uuid4()),
            type=event.DESCRIPTOR.full_name,
            tenant=self.tenant,
            subject=getattr(event, "payment_intent", ""),
        )
        envelope.data.Pack(event)
        async with self.runtime.database.transaction() as conn:
            await payment_handlers(self.app)[envelope.type](event, EventContext(envelope, conn, 1))
        return envelope.id

    async def authorize_capture_refund(self, intent_id: str, *, amount: int, fee: int, refund: int) -> list[str]:
        """The ledger's view of one card payment: authorized, captured in full, partly refunded."""
        name = self.intent(intent_id)
        return [
            await self.book(
                events_pb2.PaymentAuthorized(
                    payment_intent=name, amount=eur(amount), psp=PSP, psp_reference=f"auth-{intent_id}"
                )
            ),
            await self.book(
                events_pb2.PaymentCaptured(
                    payment_intent=name,
                    amount=eur(amount),
                    amount_captured_total=eur(amount),
                    fee=eur(fee),
                    psp=PSP,
                    psp_reference=f"cap-{intent_id}",
                )
            ),
            await self.book(
                events_pb2.PaymentRefunded(
                    payment_intent=name,
                    refund=f"{name}/refunds/re_{intent_id}",
                    amount=eur(refund),
                    amount_refunded_total=eur(refund),
                    psp=PSP,
                    psp_reference=f"ref-{intent_id}",
                )
            ),
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


@dataclasses.dataclass
class BillingUnderTest(LedgerUnderTest):
    """The whole invoicing service: ledger, invoices and reconciliation stubs on one channel."""

    target: str = ""

    @property
    def invoices(self) -> invoice_service_pb2_grpc.InvoiceServiceStub:
        return invoice_service_pb2_grpc.InvoiceServiceStub(self.channel)

    @property
    def reconciliation(self) -> reconciliation_service_pb2_grpc.ReconciliationServiceStub:
        return reconciliation_service_pb2_grpc.ReconciliationServiceStub(self.channel)

    @property
    def parent(self) -> str:
        return f"tenants/{self.tenant}"

    async def call(self, method: str, **fields):
        """An InvoiceService call with a fresh request_id when the method takes one."""
        request_class = getattr(ins, f"{method}Request")
        if "request_id" in request_class.DESCRIPTOR.fields_by_name and "request_id" not in fields:
            fields["request_id"] = str(uuid.uuid4())
        return await getattr(self.invoices, method)(request_class(**fields), metadata=self.md())

    async def draft(self, *lines: dict, currency: str = "EUR", **fields) -> invoice_pb2.Invoice:
        lines = lines or ({"description": "Pro plan", "quantity": 1, "unit_amount": eur(10000)},)
        created = await self.call(
            "CreateInvoice", parent=self.parent, currency_code=currency, line_items=list(lines), **fields
        )
        return created.invoice

    async def opened(self, *lines: dict, **fields) -> invoice_pb2.Invoice:
        draft = await self.draft(*lines, **fields)
        return (await self.call("FinalizeInvoice", name=draft.name)).invoice


async def start_billing(service_stack, **app_options):
    runtime = await Runtime.open(service_stack.settings("invoicing"), migrations=[INVOICING_MIGRATIONS])
    app = InvoicingApp(runtime.database, **app_options)
    server = runtime.server(bindings(app))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    billing = BillingUnderTest(runtime, app, channel, tenant=f"t-{uuid.uuid4().hex[:10]}", target=f"127.0.0.1:{port}")

    async def stop() -> None:
        await channel.close()
        await server.shutdown()
        await runtime.close()

    return billing, stop


@pytest.fixture
async def billing(service_stack):
    started, stop = await start_billing(service_stack)
    yield started
    await stop()


@pytest.fixture
async def stack(request, service_stack):
    """Payments and invoicing with the event path between them (payments_stack.py)."""
    async with payments_and_invoicing(request, service_stack) as started:
        yield started
