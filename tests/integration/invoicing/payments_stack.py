"""Payments and invoicing side by side over real gRPC and a real event path, on both stacks:
SQLite + MemoryBus + in-memory idempotency, and PostgreSQL + the Pub/Sub emulator + Redis.

The payments app routes between sandbox PSPs the stack keeps (`psps`), so a test can export the
settlement report of the very connector that moved the money. Invoicing collects through that
payments server (PaymentsClient), and its consumer books what the payments relay publishes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime
import uuid
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
import sqlalchemy as sa

from commerce.invoicing.v1 import invoice_service_pb2 as ins
from commerce.invoicing.v1 import invoice_service_pb2_grpc, ledger_service_pb2_grpc, reconciliation_service_pb2_grpc
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc
from commerce.payments.v1 import vault_service_pb2 as vs
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.events import EventWriter, OutboxRelay
from mesh.events.bus import Delivery, EventBus
from mesh.events.memory_bus import MemoryBus
from mesh.events.provision import provision
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.topology import MESH_TOPOLOGY, load_topology
from mesh.persistence.tables import outbox
from mesh.resilience import ResilientClient
from mesh.runtime import Runtime
from services.invoicing.app import InvoicingApp
from services.invoicing.main import bindings as invoicing_bindings
from services.invoicing.main import consumers
from services.invoicing.migrations import INVOICING_MIGRATIONS
from services.invoicing.payments_client import PaymentsClient
from services.payments.app import SOURCE, TOPIC, PaymentsApp
from services.payments.main import bindings as payments_bindings
from services.payments.migrations import PAYMENTS_MIGRATIONS
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, sandbox_psps
from services.payments.psp.sandbox import SandboxPsp
from services.payments.routing import PspRouter, RoutingPolicy
from services.payments.vault import KeyRing, Vault
from tests.clock import ManualClock
from tests.fixtures.pubsub import unique_prefix
from tests.waiting import eventually

KEYS = f"k1:{base64.b64encode(b'k' * 32).decode()}"
APPROVED, STOLEN = "4242424242424242", "4000000000009979"
WAIT_SECONDS = 60.0


def eur(minor: int) -> dict:
    return {"currency_code": "EUR", "amount_minor": minor}


@dataclasses.dataclass
class Stack:
    tenant: str
    payments: payment_service_pb2_grpc.PaymentServiceStub
    vault: vault_service_pb2_grpc.VaultServiceStub
    ledger: ledger_service_pb2_grpc.LedgerServiceStub
    payments_runtime: Runtime
    invoicing_runtime: Runtime
    handled: list[Delivery]
    invoices: invoice_service_pb2_grpc.InvoiceServiceStub
    reconciliation: reconciliation_service_pb2_grpc.ReconciliationServiceStub
    psps: dict[str, SandboxPsp]
    invoicing_app: InvoicingApp
    payments_client: PaymentsClient  # the one invoicing collects through

    @property
    def parent(self) -> str:
        return f"tenants/{self.tenant}"

    def md(self):
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, "tests"))

    async def token(self, pan: str) -> str:
        return (
            await self.vault.TokenizeCard(
                vs.TokenizeCardRequest(
                    parent=self.parent,
                    request_id=str(uuid.uuid4()),
                    card_number=pan,
                    exp_month=12,
                    exp_year=2099,
                    cvc="737",
                ),
                metadata=self.md(),
            )
        ).token

    async def intent(self, pan: str, amount: int) -> str:
        created = await self.payments.CreatePaymentIntent(
            ps.CreatePaymentIntentRequest(
                parent=self.parent,
                request_id=str(uuid.uuid4()),
                payment_method=await self.token(pan),
                amount=eur(amount),
            ),
            metadata=self.md(),
        )
        return created.payment_intent.name

    async def call(self, method: str, request_class, **fields):
        return await getattr(self.payments, method)(
            request_class(request_id=str(uuid.uuid4()), **fields), metadata=self.md()
        )

    async def payment_intent(self, name: str):
        return (
            await self.payments.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=self.md())
        ).payment_intent

    async def payment_intents(self) -> list:
        response = await self.payments.ListPaymentIntents(
            ps.ListPaymentIntentsRequest(parent=self.parent, page_size=500), metadata=self.md()
        )
        return list(response.payment_intents)

    # Invoicing.

    async def open_invoice(self, unit_amount: int = 10000):
        """A finalized invoice of one line (19 % VAT on top)."""
        draft = (
            await self.invoices.CreateInvoice(
                ins.CreateInvoiceRequest(
                    parent=self.parent,
                    request_id=str(uuid.uuid4()),
                    currency_code="EUR",
                    line_items=[{"description": "Pro plan", "quantity": 1, "unit_amount": eur(unit_amount)}],
                ),
                metadata=self.md(),
            )
        ).invoice
        return (
            await self.invoices.FinalizeInvoice(
                ins.FinalizeInvoiceRequest(name=draft.name, request_id=str(uuid.uuid4())), metadata=self.md()
            )
        ).invoice

    async def invoice(self, name: str):
        return (await self.invoices.GetInvoice(ins.GetInvoiceRequest(name=name), metadata=self.md())).invoice

    async def wait_for_invoice(self, name: str, condition: Callable, what: str):
        async def holds() -> bool:
            return condition(await self.invoice(name))

        await eventually(holds, what, within=WAIT_SECONDS)
        return await self.invoice(name)

    async def reconcile(
        self, psp: str, day: datetime.date, content: bytes, period: tuple[datetime.datetime, datetime.datetime]
    ) -> rr.ReconciliationReport:
        request = rs.ReconcileSettlementRequest(
            parent=self.parent,
            request_id=str(uuid.uuid4()),
            psp=psp,
            settlement_date=day.isoformat(),
            format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
            content=content,
        )
        request.period_start_time.FromDatetime(period[0])
        request.period_end_time.FromDatetime(period[1])
        response = await self.reconciliation.ReconcileSettlement(request, metadata=self.md())
        return response.reconciliation_report

    # The ledger.

    async def entries(self) -> list:
        response = await self.ledger.ListJournalEntries(
            ls.ListJournalEntriesRequest(parent=self.parent, page_size=500), metadata=self.md()
        )
        return list(response.journal_entries)

    async def wait_for_entries(self, count: int) -> list:
        async def reached() -> bool:
            return len(await self.entries()) >= count

        await eventually(reached, f"the ledger reaching {count} entries", within=WAIT_SECONDS)
        return await self.entries()

    async def wait_for_handled(self, count: int) -> None:
        async def reached() -> bool:
            return len(self.handled) >= count

        await eventually(reached, f"invoicing handling {count} deliveries", within=WAIT_SECONDS)

    async def published_events(self) -> list[str]:
        """The type of every event in the payments outbox."""
        return await _event_types(self.payments_runtime)

    async def invoicing_events(self) -> list[str]:
        """The type of every event in the invoicing outbox."""
        return await _event_types(self.invoicing_runtime)

    async def invoicing_rows(self) -> list[str]:
        """Every row of every table of invoicing's database, as text."""
        async with self.invoicing_runtime.database.transaction() as conn:
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            return [repr(tuple(row)) for name in names for row in await conn.execute(sa.text(f"SELECT * FROM {name}"))]

    async def balance(self, account_id: str) -> tuple[int, int, int]:
        """(balance, debits, credits) in EUR."""
        response = await self.ledger.GetAccountBalance(
            ls.GetAccountBalanceRequest(account=f"{self.parent}/accounts/{account_id}", currency_code="EUR"),
            metadata=self.md(),
        )
        (balance,) = response.balances
        return balance.balance.amount_minor, balance.debits_total.amount_minor, balance.credits_total.amount_minor


async def _event_types(runtime: Runtime) -> list[str]:
    async with runtime.database.transaction() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.position))
        return [row.event_type.rsplit(".", 1)[-1] for row in rows]


async def _bus(request: pytest.FixtureRequest, kind: str, prefix: str) -> EventBus:
    topology = load_topology(MESH_TOPOLOGY).with_prefix(prefix)
    if kind == "embedded":
        return MemoryBus(topology, clock=ManualClock())  # no ack deadline expires under a slow handler
    emulator = request.getfixturevalue("pubsub_emulator")
    await provision(topology, emulator.project, emulator_host=emulator.host)
    return PubSubBus(emulator.project, emulator_host=emulator.host, publish_timeout=10.0)


@contextlib.asynccontextmanager
async def _served(runtime: Runtime, bindings) -> AsyncIterator[grpc.aio.Channel]:
    server = runtime.server(bindings)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel
    finally:
        await channel.close()
        await server.shutdown()


@contextlib.asynccontextmanager
async def _counted_consumers(
    app: InvoicingApp, runtime: Runtime, bus: EventBus, prefix: str, handled: list[Delivery]
) -> AsyncIterator[None]:
    subscriptions = []
    for consumer, subscription in consumers(app, runtime.database, bus, prefix=prefix):

        async def counted(delivery: Delivery, consumer=consumer) -> None:
            await consumer.handle(delivery)
            handled.append(delivery)

        subscriptions.append(await bus.subscribe(subscription, counted, max_outstanding=10))
    try:
        yield
    finally:
        for subscription in subscriptions:
            await subscription.stop()


@contextlib.asynccontextmanager
async def _relayed(runtime: Runtime, bus: EventBus) -> AsyncIterator[None]:
    stop = asyncio.Event()
    relay = asyncio.ensure_future(OutboxRelay(runtime.database, bus).run(stop, idle_seconds=0.05))
    try:
        yield
    finally:
        stop.set()
        await relay


@contextlib.asynccontextmanager
async def payments_and_invoicing(request: pytest.FixtureRequest, service_stack) -> AsyncIterator[Stack]:
    prefix = unique_prefix()
    bus = await _bus(request, service_stack.kind, prefix)
    async with contextlib.AsyncExitStack() as opened:
        opened.push_async_callback(bus.close)
        payments_runtime = await Runtime.open(service_stack.settings("payments"), migrations=[PAYMENTS_MIGRATIONS])
        opened.push_async_callback(payments_runtime.close)
        psps = sandbox_psps()
        router = PspRouter(psps, RoutingPolicy(rules=(), default=(SANDBOX_ALPHA, SANDBOX_BETA)))
        payments_app = PaymentsApp(
            payments_runtime.database,
            Vault(KeyRing.from_setting(KEYS), b"f" * 32),
            router,
            writer=EventWriter(SOURCE, prefix + TOPIC),
        )
        payments_channel = await opened.enter_async_context(_served(payments_runtime, payments_bindings(payments_app)))
        invoicing_runtime = await Runtime.open(service_stack.settings("invoicing"), migrations=[INVOICING_MIGRATIONS])
        opened.push_async_callback(invoicing_runtime.close)
        payments_client = PaymentsClient(payments_channel, ResilientClient())
        invoicing_app = InvoicingApp(invoicing_runtime.database, payments=payments_client)
        handled: list[Delivery] = []
        await opened.enter_async_context(_counted_consumers(invoicing_app, invoicing_runtime, bus, prefix, handled))
        await opened.enter_async_context(_relayed(payments_runtime, bus))
        invoicing_channel = await opened.enter_async_context(
            _served(invoicing_runtime, invoicing_bindings(invoicing_app))
        )
        yield Stack(
            f"t-{uuid.uuid4().hex[:10]}",
            payment_service_pb2_grpc.PaymentServiceStub(payments_channel),
            vault_service_pb2_grpc.VaultServiceStub(payments_channel),
            ledger_service_pb2_grpc.LedgerServiceStub(invoicing_channel),
            payments_runtime,
            invoicing_runtime,
            handled,
            invoice_service_pb2_grpc.InvoiceServiceStub(invoicing_channel),
            reconciliation_service_pb2_grpc.ReconciliationServiceStub(invoicing_channel),
            psps,
            invoicing_app,
            payments_client,
        )
