"""InvoiceService over gRPC: proto in, invoice use cases, proto out. Validation, tenancy,
idempotency and error mapping happened in the interceptors; domain refusals are mapped here."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import invoice_pb2, invoice_service_pb2 as ins, invoice_service_pb2_grpc
from mesh import context as request_context
from mesh.money import Money
from mesh.pagination import issue_token, position_of
from services.invoicing import messages
from services.invoicing.billing_store import InvoiceFilter, InvoiceRecord
from services.invoicing.collecting import CollectionUseCases
from services.invoicing.domain.credit_notes import CreditLineRequest
from services.invoicing.domain.invoice import InvoiceState
from services.invoicing.invoices import InvoiceUseCases, NewInvoice
from services.invoicing.refusals import mapped

DEFAULT_PAGE_SIZE = 50


class InvoiceApi(invoice_service_pb2_grpc.InvoiceServiceServicer):
    def __init__(self, invoices: InvoiceUseCases, collection: CollectionUseCases) -> None:
        self._invoices = invoices
        self._collection = collection

    @mapped
    async def CreateInvoice(self, request, context):
        new = NewInvoice(currency_code=request.currency_code, lines=[messages.new_line(item) for item in
                                                                     request.line_items],
                         customer=request.customer, order=request.order, subscription=request.subscription,
                         days_until_due=request.days_until_due, customer_tax=request.customer_tax)
        record = await self._invoices.create(_tenant(), request.request_id, new)
        return ins.CreateInvoiceResponse(invoice=_message(record))

    @mapped
    async def GetInvoice(self, request, context):
        return ins.GetInvoiceResponse(invoice=_message(await self._invoices.get(_tenant(), _id(request.name))))

    @mapped
    async def ListInvoices(self, request, context):
        size = request.page_size or DEFAULT_PAGE_SIZE
        query = (request.parent, request.state, request.customer, request.subscription)
        offset = position_of(request.page_token, *query)
        state = InvoiceState[invoice_pb2.InvoiceState.Name(request.state).removeprefix("INVOICE_STATE_")] \
            if request.state else None
        where = InvoiceFilter(state=state, customer=request.customer, subscription=request.subscription)
        records = await self._invoices.list(_tenant(), where, offset=offset, limit=size + 1)
        token = issue_token(offset + size, *query) if len(records) > size else ""
        return ins.ListInvoicesResponse(invoices=[_message(record) for record in records[:size]],
                                        next_page_token=token)

    @mapped
    async def FinalizeInvoice(self, request, context):
        record = await self._invoices.finalize(_tenant(), _id(request.name))
        return ins.FinalizeInvoiceResponse(invoice=_message(record))

    @mapped
    async def VoidInvoice(self, request, context):
        record = await self._invoices.void(_tenant(), _id(request.name), request.reason)
        return ins.VoidInvoiceResponse(invoice=_message(record))

    @mapped
    async def PayInvoice(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        if request.payment_method:
            record = await self._collection.collect(_tenant(), _id(request.name), request.request_id,
                                                    request.payment_method, amount)
        else:
            record = await self._invoices.pay(_tenant(), _id(request.name), request.payment_intent, amount)
        return ins.PayInvoiceResponse(invoice=_message(record))

    @mapped
    async def MarkInvoiceUncollectible(self, request, context):
        record = await self._invoices.mark_uncollectible(_tenant(), _id(request.name))
        return ins.MarkInvoiceUncollectibleResponse(invoice=_message(record))

    @mapped
    async def CreateCreditNote(self, request, context):
        amount = Money.from_proto(request.amount) if request.HasField("amount") else None
        note, record = await self._invoices.credit(
            _tenant(), _id(request.parent), request.request_id, amount=amount,
            lines=[_credit_line(line) for line in request.lines],
            reason=messages.credit_note_reason(request.reason), memo=request.memo)
        return ins.CreateCreditNoteResponse(credit_note=messages.credit_note_message(note), invoice=_message(record))

    @mapped
    async def GetCreditNote(self, request, context):
        note = await self._invoices.credit_note(_tenant(), request.name.split("/")[5])
        return ins.GetCreditNoteResponse(credit_note=messages.credit_note_message(note))

    @mapped
    async def ListCreditNotes(self, request, context):
        size = request.page_size or DEFAULT_PAGE_SIZE
        offset = position_of(request.page_token, request.parent)
        notes = await self._invoices.credit_notes(_tenant(), _id(request.parent), offset=offset, limit=size + 1)
        token = issue_token(offset + size, request.parent) if len(notes) > size else ""
        return ins.ListCreditNotesResponse(credit_notes=[messages.credit_note_message(n) for n in notes[:size]],
                                           next_page_token=token)


def _credit_line(line: ins.CreateCreditNoteRequest.Line) -> CreditLineRequest:
    return CreditLineRequest(
        line.line_item, amount=Money.from_proto(line.amount) if line.HasField("amount") else None,
        proration_start=line.proration_start_time.ToDatetime(tzinfo=datetime.UTC)
        if line.HasField("proration_start_time") else None)


def _message(record: InvoiceRecord) -> invoice_pb2.Invoice:
    return messages.invoice_message(record.invoice, record.customer_tax)


def _id(name: str) -> str:
    return name.split("/")[3]


def _tenant() -> str:
    return request_context.current().tenant
