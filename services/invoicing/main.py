"""The invoicing service process: wiring only."""

from __future__ import annotations

import grpc

from commerce.invoicing.v1 import invoice_service_pb2_grpc, ledger_service_pb2_grpc, reconciliation_service_pb2_grpc
from mesh.config import SERVICE_PORTS, MeshSettings, Port
from mesh.events import EventBus, EventConsumer
from mesh.persistence import Database
from mesh.runtime import Runtime
from mesh.server import ServiceBinding
from mesh.service import Service, run
from services.invoicing.api import LedgerApi
from services.invoicing.app import InvoicingApp
from services.invoicing.handlers import CONSUMER, PAYMENTS_DEAD_LETTER_TOPIC, PAYMENTS_SUBSCRIPTION, payment_handlers
from services.invoicing.invoice_api import InvoiceApi
from services.invoicing.migrations import INVOICING_MIGRATIONS
from services.invoicing.payments_client import PaymentsClient
from services.invoicing.reconciliation_api import ReconciliationApi


class InvoicingSettings(MeshSettings):
    service_name: str = "invoicing"
    grpc_port: Port = SERVICE_PORTS["invoicing"]
    # ReconcileSettlement takes reports of up to 10 MiB in one message (the contract's 11 MiB).
    max_message_bytes: int = 11 * 1024 * 1024
    # "host:port" of PaymentService, which PayInvoice with a payment_method collects through.
    # Unset: such a PayInvoice answers UNIMPLEMENTED (paying with a captured intent still works).
    payments_service_addr: str = ""


def bindings(app: InvoicingApp) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            "commerce.invoicing.v1.LedgerService",
            lambda server: ledger_service_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerApi(app), server),
        ),
        ServiceBinding(
            "commerce.invoicing.v1.InvoiceService",
            lambda server: invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(
                InvoiceApi(app.invoices, app.collection), server
            ),
        ),
        ServiceBinding(
            "commerce.invoicing.v1.ReconciliationService",
            lambda server: reconciliation_service_pb2_grpc.add_ReconciliationServiceServicer_to_server(
                ReconciliationApi(app.reconciliation), server
            ),
        ),
    ]


def consumers(
    app: InvoicingApp, database: Database, bus: EventBus, *, prefix: str = ""
) -> list[tuple[EventConsumer, str]]:
    """Invoicing's consumers with the subscription each reads. `prefix` is the one of a prefixed
    topology (Topology.with_prefix), for tests that share a Pub/Sub emulator."""
    payments = EventConsumer(
        CONSUMER, database, bus, payment_handlers(app), dead_letter_topic=prefix + PAYMENTS_DEAD_LETTER_TOPIC
    )
    return [(payments, prefix + PAYMENTS_SUBSCRIPTION)]


def wire(settings: InvoicingSettings, runtime: Runtime, bus: EventBus) -> Service:
    """The ledger's services and the payments consumer; the channel to payments closes after them."""
    channel = grpc.aio.insecure_channel(settings.payments_service_addr) if settings.payments_service_addr else None
    app = InvoicingApp(runtime.database, payments=PaymentsClient(channel) if channel else None)
    return Service(
        bindings(app), consumers=consumers(app, runtime.database, bus), closers=[channel.close] if channel else []
    )


if __name__ == "__main__":
    run(InvoicingSettings(), wire, migrations=[INVOICING_MIGRATIONS])
