"""From the payments service to invoicing's ledger through the event path, on both stacks:
SQLite + MemoryBus + in-memory idempotency, and PostgreSQL + the Pub/Sub emulator + Redis.

Real gRPC calls move real intents through the sandbox PSPs; the payments outbox relay publishes
their events; invoicing's consumer books them. The ledger must then hold exactly one balanced,
chained entry per money event, agree with the payments service to the cent, and stay unchanged
when every event is delivered again.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid

import grpc
import pytest
import sqlalchemy as sa

from commerce.invoicing.v1 import invoice_pb2, invoice_service_pb2 as ins, invoice_service_pb2_grpc
from commerce.invoicing.v1 import ledger_service_pb2 as ls, ledger_service_pb2_grpc
from commerce.payments.v1 import payment_service_pb2 as ps, payment_service_pb2_grpc
from commerce.payments.v1 import vault_service_pb2 as vs, vault_service_pb2_grpc
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.events import EventWriter, OutboxRelay
from mesh.events.bus import Delivery, EventBus
from mesh.events.memory_bus import MemoryBus
from mesh.events.provision import provision
from mesh.events.pubsub_bus import PubSubBus
from mesh.events.replay import replay_outbox
from mesh.events.topology import MESH_TOPOLOGY, load_topology
from mesh.persistence.tables import outbox
from mesh.runtime import Runtime
from services.invoicing.app import InvoicingApp
from services.invoicing.main import bindings as invoicing_bindings, consumers
from services.invoicing.migrations import INVOICING_MIGRATIONS
from services.payments.app import SOURCE, TOPIC, PaymentsApp
from services.payments.main import bindings as payments_bindings
from services.payments.migrations import PAYMENTS_MIGRATIONS
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, sandbox_psps
from services.payments.routing import PspRouter, RoutingPolicy
from services.payments.vault import KeyRing, Vault
from tests.fixtures.pubsub import MEMORY_TIME_SCALE, unique_prefix
from tests.integration.payments.service.test_no_card_numbers import card_numbers_in

KEYS = f"k1:{base64.b64encode(b'k' * 32).decode()}"
APPROVED, STOLEN = "4242424242424242", "4000000000009979"
WAIT_SECONDS = 60.0


@dataclasses.dataclass
class Stack:
    tenant: str
    payments: payment_service_pb2_grpc.PaymentServiceStub
    vault: vault_service_pb2_grpc.VaultServiceStub
    ledger: ledger_service_pb2_grpc.LedgerServiceStub
    payments_runtime: Runtime
    invoicing_runtime: Runtime
    handled: list[Delivery]
    invoices: invoice_service_pb2_grpc.InvoiceServiceStub | None = None

    def md(self):
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, "tests"))

    async def intent(self, pan: str, amount: int) -> str:
        token = (await self.vault.TokenizeCard(vs.TokenizeCardRequest(
            parent=f"tenants/{self.tenant}", request_id=str(uuid.uuid4()), card_number=pan, exp_month=12,
            exp_year=2099, cvc="737"), metadata=self.md())).token
        created = await self.payments.CreatePaymentIntent(ps.CreatePaymentIntentRequest(
            parent=f"tenants/{self.tenant}", request_id=str(uuid.uuid4()), payment_method=token,
            amount={"currency_code": "EUR", "amount_minor": amount}), metadata=self.md())
        return created.payment_intent.name

    async def call(self, method: str, request_class, **fields):
        return await getattr(self.payments, method)(request_class(request_id=str(uuid.uuid4()), **fields),
                                                    metadata=self.md())

    async def entries(self) -> list:
        response = await self.ledger.ListJournalEntries(ls.ListJournalEntriesRequest(
            parent=f"tenants/{self.tenant}", page_size=500), metadata=self.md())
        return list(response.journal_entries)

    async def wait_for_entries(self, count: int) -> list:
        async def settled() -> list:
            while len(found := await self.entries()) < count:
                await asyncio.sleep(0.05)
            return found

        try:
            return await asyncio.wait_for(settled(), WAIT_SECONDS)
        except TimeoutError:
            pytest.fail(f"the ledger did not reach {count} entries in {WAIT_SECONDS} s: {len(await self.entries())}")

    async def wait_for_handled(self, count: int) -> None:
        async def settled() -> None:
            while len(self.handled) < count:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(settled(), WAIT_SECONDS)

    async def published_events(self) -> list[str]:
        """The type of every event in the payments outbox."""
        async with self.payments_runtime.database.transaction() as conn:
            rows = await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.position))
            return [row.event_type.rsplit(".", 1)[-1] for row in rows]

    async def invoicing_rows(self) -> list[str]:
        """Every row of every table of invoicing's database, as text."""
        async with self.invoicing_runtime.database.transaction() as conn:
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            return [repr(tuple(row)) for name in names for row in await conn.execute(sa.text(f"SELECT * FROM {name}"))]

    async def balance(self, account_id: str) -> tuple[int, int, int]:
        """(balance, debits, credits) in EUR."""
        response = await self.ledger.GetAccountBalance(ls.GetAccountBalanceRequest(
            account=f"tenants/{self.tenant}/accounts/{account_id}", currency_code="EUR"), metadata=self.md())
        (eur,) = response.balances
        return eur.balance.amount_minor, eur.debits_total.amount_minor, eur.credits_total.amount_minor


@pytest.fixture
async def stack(request, service_stack):
    prefix = unique_prefix()
    topology = load_topology(MESH_TOPOLOGY).with_prefix(prefix)
    bus: EventBus
    if service_stack.kind == "embedded":
        bus = MemoryBus(topology, time_scale=MEMORY_TIME_SCALE)
    else:
        emulator = request.getfixturevalue("pubsub_emulator")
        await provision(topology, emulator.project, emulator_host=emulator.host)
        bus = PubSubBus(emulator.project, emulator_host=emulator.host, publish_timeout=10.0)

    payments_runtime = await Runtime.open(service_stack.settings("payments"), migrations=[PAYMENTS_MIGRATIONS])
    router = PspRouter(sandbox_psps(), RoutingPolicy(rules=(), default=(SANDBOX_ALPHA, SANDBOX_BETA)))
    payments_app = PaymentsApp(payments_runtime.database, Vault(KeyRing.from_setting(KEYS), b"f" * 32), router,
                               writer=EventWriter(SOURCE, prefix + TOPIC))
    invoicing_runtime = await Runtime.open(service_stack.settings("invoicing"), migrations=[INVOICING_MIGRATIONS])
    invoicing_app = InvoicingApp(invoicing_runtime.database)

    handled: list[Delivery] = []
    subscriptions = []
    for consumer, subscription in consumers(invoicing_app, invoicing_runtime.database, bus, prefix=prefix):
        async def counted(delivery: Delivery, consumer=consumer) -> None:
            await consumer.handle(delivery)
            handled.append(delivery)
        subscriptions.append(await bus.subscribe(subscription, counted, max_outstanding=10))

    stop = asyncio.Event()
    relay = asyncio.ensure_future(OutboxRelay(payments_runtime.database, bus).run(stop, idle_seconds=0.05))
    servers = [payments_runtime.server(payments_bindings(payments_app)),
               invoicing_runtime.server(invoicing_bindings(invoicing_app))]
    ports = [await server.start() for server in servers]
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for port in ports]
    yield Stack(f"t-{uuid.uuid4().hex[:10]}", payment_service_pb2_grpc.PaymentServiceStub(channels[0]),
                vault_service_pb2_grpc.VaultServiceStub(channels[0]),
                ledger_service_pb2_grpc.LedgerServiceStub(channels[1]), payments_runtime, invoicing_runtime, handled,
                invoice_service_pb2_grpc.InvoiceServiceStub(channels[1]))
    stop.set()
    await relay
    for subscription in subscriptions:
        await subscription.stop()
    for channel in channels:
        await channel.close()
    for server in servers:
        await server.shutdown()
    await bus.close()
    await payments_runtime.close()
    await invoicing_runtime.close()


async def test_payments_reach_the_ledger_balanced_and_exactly_once(stack: Stack) -> None:
    # One intent authorized for 100.00, captured in two parts, partly refunded; one voided; one declined.
    paid = await stack.intent(APPROVED, 10000)
    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=paid)
    await stack.call("CapturePaymentIntent", ps.CapturePaymentIntentRequest, name=paid,
                     amount={"currency_code": "EUR", "amount_minor": 6000})
    await stack.call("CapturePaymentIntent", ps.CapturePaymentIntentRequest, name=paid,
                     amount={"currency_code": "EUR", "amount_minor": 4000})
    await stack.call("RefundPayment", ps.RefundPaymentRequest, parent=paid,
                     amount={"currency_code": "EUR", "amount_minor": 2550})
    voided = await stack.intent(APPROVED, 5000)
    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=voided)
    await stack.call("CancelPaymentIntent", ps.CancelPaymentIntentRequest, name=voided)
    declined = await stack.intent(STOLEN, 700)
    with pytest.raises(grpc.aio.AioRpcError):
        await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=declined)

    # paid: authorized, captured ×2, refunded; voided: authorized, canceled; declined: nothing to book.
    entries = await stack.wait_for_entries(6)
    intent = (await stack.payments.GetPaymentIntent(ps.GetPaymentIntentRequest(name=paid), metadata=stack.md()))
    psp, fees = intent.payment_intent.psp, intent.payment_intent.fee.amount_minor
    assert fees > 0

    assert [e.sequence for e in entries] == list(range(1, 7))
    # Each intent's events arrive in its own order (ordering key); the two intents may interleave.
    assert booked_by_intent(entries) == {
        paid: ["PaymentAuthorized", "PaymentCaptured", "PaymentCaptured", "PaymentRefunded"],
        voided: ["PaymentAuthorized", "PaymentCanceled"],
    }
    # The ledger agrees with the payments service to the cent.
    assert await stack.balance(f"cash-at-psp-{psp}") == (10000 - fees - 2550, 10000 - fees, 2550)
    assert await stack.balance(f"psp-fees-{psp}") == (fees, fees, 0)
    assert await stack.balance("accounts-receivable") == (-(10000 - 2550), 2550, 10000)
    assert await stack.balance(f"authorization-holds-{psp}") == (0, 15000, 15000)
    assert await stack.balance("authorization-holds-offset") == (0, 15000, 15000)
    verified = await stack.ledger.VerifyLedger(ls.VerifyLedgerRequest(parent=f"tenants/{stack.tenant}"),
                                               metadata=stack.md())
    assert (verified.ok, verified.entries_checked, verified.head_hash) == (True, 6, entries[-1].hash)

    # Every event again (a relay replay after an outage): the ledger books nothing new.
    # Besides the six booked, payments published PaymentFailed and a PaymentIntentStateChanged per
    # transition: invoicing acks those without booking anything.
    published = await stack.published_events()
    assert len(published) == 6 + 1 + 13 and published.count("PaymentIntentStateChanged") == 13
    await stack.wait_for_handled(len(published))
    delivered = len(stack.handled)
    assert await replay_outbox(stack.payments_runtime.database, from_position=0) == len(published)
    await stack.wait_for_handled(delivered + len(published))
    assert await stack.entries() == entries
    assert await stack.balance(f"cash-at-psp-{psp}") == (10000 - fees - 2550, 10000 - fees, 2550)

    # Nothing the ledger keeps holds a card number.
    rows = await stack.invoicing_rows()
    assert len(rows) > 6 * 3 and card_numbers_in("\n".join(rows)) == set()


def booked_by_intent(entries: list) -> dict[str, list[str]]:
    booked: dict[str, list[str]] = {}
    for entry in entries:
        intent = entry.source_resource.split("/refunds/")[0]
        booked.setdefault(intent, []).append(entry.source_event_type.rsplit(".", 1)[1])
    return booked


async def test_an_invoice_paid_through_payments_and_partly_refunded_agrees_with_the_ledger(stack: Stack) -> None:
    parent, eur = f"tenants/{stack.tenant}", (lambda minor: {"currency_code": "EUR", "amount_minor": minor})
    draft = (await stack.invoices.CreateInvoice(ins.CreateInvoiceRequest(
        parent=parent, request_id=str(uuid.uuid4()), currency_code="EUR",
        line_items=[{"description": "Pro plan", "quantity": 1, "unit_amount": eur(10000)}]), metadata=stack.md())).invoice
    invoice = (await stack.invoices.FinalizeInvoice(ins.FinalizeInvoiceRequest(
        name=draft.name, request_id=str(uuid.uuid4())), metadata=stack.md())).invoice
    assert invoice.total.amount_minor == 11900  # 19 % VAT
    intent = await stack.intent(APPROVED, 11900)
    await stack.invoices.PayInvoice(ins.PayInvoiceRequest(name=invoice.name, request_id=str(uuid.uuid4()),
                                                          payment_intent=intent), metadata=stack.md())

    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=intent)
    await stack.call("CapturePaymentIntent", ps.CapturePaymentIntentRequest, name=intent)
    await stack.call("RefundPayment", ps.RefundPaymentRequest, parent=intent, amount=eur(3000))

    # issued, authorized, captured, refunded, and the refund's credit note
    entries = await stack.wait_for_entries(5)
    paid = (await stack.invoices.GetInvoice(ins.GetInvoiceRequest(name=invoice.name), metadata=stack.md())).invoice
    (note,) = (await stack.invoices.ListCreditNotes(ins.ListCreditNotesRequest(parent=invoice.name),
                                                    metadata=stack.md())).credit_notes
    assert paid.state == invoice_pb2.INVOICE_STATE_PAID
    assert (paid.amount_paid.amount_minor, paid.amount_credited.amount_minor, note.total.amount_minor) == (
        11900, 3000, 3000)
    assert note.subtotal.amount_minor + note.tax.amount_minor == 3000
    assert (await stack.balance("accounts-receivable"))[0] == 0
    assert (await stack.balance("tax-payable"))[0] == 1900 - note.tax.amount_minor

    # Every payment event again: nothing changes.
    published = await stack.published_events()
    await stack.wait_for_handled(len(published))
    delivered = len(stack.handled)
    await replay_outbox(stack.payments_runtime.database, from_position=0)
    await stack.wait_for_handled(delivered + len(published))
    assert await stack.entries() == entries
    again = (await stack.invoices.GetInvoice(ins.GetInvoiceRequest(name=invoice.name), metadata=stack.md())).invoice
    assert again == paid
