"""InvoiceService over gRPC: proto in, invoice use cases, proto out. Validation, tenancy,
idempotency and error mapping happened in the interceptors; domain refusals are mapped here."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import invoice_pb2, invoice_service_pb2_grpc
from commerce.invoicing.v1 import invoice_service_pb2 as ins
from mesh.context import current_tenant
from mesh.money import Money
from mesh.pagination import PageRequest
from mesh.resources import ResourceName
from services.invoicing import messages
from services.invoicing.collecting import CollectionUseCases
from services.invoicing.domain.credit_notes import CreditLineRequest
from services.invoicing.domain.invoice import InvoiceFilter, InvoiceRecord, InvoiceState
from services.invoicing.invoices import InvoiceUseCases, NewInvoice
from services.invoicing.refusals import mapped

INVOICE = ResourceName("tenants/{tenant}/invoices/{invoice}")
CREDIT_NOTE = ResourceName("tenants/{tenant}/invoices/{invoice}/creditNotes/{credit_note}")


class InvoiceApi(invoice_service_pb2_grpc.InvoiceServiceServicer):
    def __init__(self, invoices: InvoiceUseCases, collection: CollectionUseCases) -> None:
        self._invoices = invoices
        self._collection = collection

    @mapped
    async def CreateInvoice(self, request, context):
        new = NewInvoice(
            currency_code=request.currency_code,
            lines=[messages.new_line(item) for item in request.line_items],
            customer=request.customer,
            order=request.order,
            subscription=request.subscription,
            days_until_due=request.days_until_due,
            customer_tax=messages.customer_tax_details(request.customer_tax),
        )
        record = await self._invoices.create(current_tenant(), request.request_id, new)
        return ins.CreateInvoiceResponse(invoice=_message(record))

    @mapped
    async def GetInvoice(self, request, context):
        record = await self._invoices.get(current_tenant(), _invoice_id(request.name))
        return ins.GetInvoiceResponse(invoice=_message(record))

    @mapped
    async def ListInvoices(self, request, context):
        where = InvoiceFilter(state=_state(request.state), customer=request.customer, subscription=request.subscription)
        page = PageRequest.of(
            request.page_size, request.page_token, request.parent, request.state, request.customer, request.subscription
        )
        records = await self._invoices.list(current_tenant(), where, page)
        return ins.ListInvoicesResponse(
            invoices=[_message(record) for record in records.items], next_page_token=records.next_page_token
        )

    @mapped
    async def FinalizeInvoice(self, request, context):
        record = await self._invoices.finalize(current_tenant(), _invoice_id(request.name))
        return ins.FinalizeInvoiceResponse(invoice=_message(record))

    @mapped
    async def VoidInvoice(self, request, context):
        record = await self._invoices.void(current_tenant(), _invoice_id(request.name), request.reason)
        return ins.VoidInvoiceResponse(invoice=_message(record))

    @mapped
    async def PayInvoice(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        if request.payment_method:
            record = await self._collection.collect(
                current_tenant(), _invoice_id(request.name), request.request_id, request.payment_method, amount
            )
        else:
            record = await self._invoices.pay(
                current_tenant(), _invoice_id(request.name), request.payment_intent, amount
            )
        return ins.PayInvoiceResponse(invoice=_message(record))

    @mapped
    async def MarkInvoiceUncollectible(self, request, context):
        record = await self._invoices.mark_uncollectible(current_tenant(), _invoice_id(request.name))
        return ins.MarkInvoiceUncollectibleResponse(invoice=_message(record))

    @mapped
    async def CreateCreditNote(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        note, record = await self._invoices.credit(
            current_tenant(),
            _invoice_id(request.parent, field="parent"),
            request.request_id,
            amount=amount,
            lines=[_credit_line(line) for line in request.lines],
            reason=messages.credit_note_reason(request.reason),
            memo=request.memo,
        )
        return ins.CreateCreditNoteResponse(credit_note=messages.credit_note_message(note), invoice=_message(record))

    @mapped
    async def GetCreditNote(self, request, context):
        parts = CREDIT_NOTE.parse(request.name)
        note = await self._invoices.credit_note(current_tenant(), parts["invoice"], parts["credit_note"])
        return ins.GetCreditNoteResponse(credit_note=messages.credit_note_message(note))

    @mapped
    async def ListCreditNotes(self, request, context):
        page = PageRequest.of(request.page_size, request.page_token, request.parent)
        invoice_id = _invoice_id(request.parent, field="parent")
        notes = await self._invoices.credit_notes(current_tenant(), invoice_id, page)
        return ins.ListCreditNotesResponse(
            credit_notes=[messages.credit_note_message(n) for n in notes.items], next_page_token=notes.next_page_token
        )


def _credit_line(line: ins.CreateCreditNoteRequest.Line) -> CreditLineRequest:
    return CreditLineRequest(
        line.line_item,
        amount=Money.from_proto(line.amount) if line.HasField("amount") else None,
        proration_start=line.proration_start_time.ToDatetime(tzinfo=datetime.UTC)
        if line.HasField("proration_start_time")
        else None,
    )


def _message(record: InvoiceRecord) -> invoice_pb2.Invoice:
    return messages.invoice_message(record.invoice, record.customer_tax)


def _state(state: int) -> InvoiceState | None:
    """The domain state of an InvoiceState filter (None: unspecified, any state)."""
    if state == invoice_pb2.INVOICE_STATE_UNSPECIFIED:
        return None
    return InvoiceState[invoice_pb2.InvoiceState.Name(state).removeprefix("INVOICE_STATE_")]


def _invoice_id(name: str, *, field: str = "name") -> str:
    return INVOICE.parse(name, field=field)["invoice"]
