import datetime

from buf.validate import validate_pb2 as _validate_pb2
from commerce.invoicing.v1 import credit_note_pb2 as _credit_note_pb2
from commerce.invoicing.v1 import invoice_pb2 as _invoice_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateInvoiceRequest(_message.Message):
    __slots__ = ("parent", "request_id", "customer", "currency_code", "line_items", "order", "subscription", "days_until_due", "customer_tax")
    class LineItem(_message.Message):
        __slots__ = ("description", "quantity", "unit_amount", "credit", "tax_code", "period_start_time", "period_end_time", "proration_start_time", "tax_inclusive")
        DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
        QUANTITY_FIELD_NUMBER: _ClassVar[int]
        UNIT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
        CREDIT_FIELD_NUMBER: _ClassVar[int]
        TAX_CODE_FIELD_NUMBER: _ClassVar[int]
        PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
        PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
        PRORATION_START_TIME_FIELD_NUMBER: _ClassVar[int]
        TAX_INCLUSIVE_FIELD_NUMBER: _ClassVar[int]
        description: str
        quantity: int
        unit_amount: _money_pb2.Money
        credit: bool
        tax_code: str
        period_start_time: _timestamp_pb2.Timestamp
        period_end_time: _timestamp_pb2.Timestamp
        proration_start_time: _timestamp_pb2.Timestamp
        tax_inclusive: bool
        def __init__(self, description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., credit: _Optional[bool] = ..., tax_code: _Optional[str] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., proration_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tax_inclusive: _Optional[bool] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DAYS_UNTIL_DUE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TAX_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    customer: str
    currency_code: str
    line_items: _containers.RepeatedCompositeFieldContainer[CreateInvoiceRequest.LineItem]
    order: str
    subscription: str
    days_until_due: int
    customer_tax: _invoice_pb2.CustomerTaxDetails
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., customer: _Optional[str] = ..., currency_code: _Optional[str] = ..., line_items: _Optional[_Iterable[_Union[CreateInvoiceRequest.LineItem, _Mapping]]] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., days_until_due: _Optional[int] = ..., customer_tax: _Optional[_Union[_invoice_pb2.CustomerTaxDetails, _Mapping]] = ...) -> None: ...

class CreateInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "state", "customer", "subscription")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    state: _invoice_pb2.InvoiceState
    customer: str
    subscription: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[_invoice_pb2.InvoiceState, str]] = ..., customer: _Optional[str] = ..., subscription: _Optional[str] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[_invoice_pb2.Invoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[_invoice_pb2.Invoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FinalizeInvoiceRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class FinalizeInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class VoidInvoiceRequest(_message.Message):
    __slots__ = ("name", "request_id", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class VoidInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class PayInvoiceRequest(_message.Message):
    __slots__ = ("name", "request_id", "payment_intent", "payment_method", "amount")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    payment_intent: str
    payment_method: str
    amount: _money_pb2.Money
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., payment_intent: _Optional[str] = ..., payment_method: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class PayInvoiceResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class MarkInvoiceUncollectibleRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class MarkInvoiceUncollectibleResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: _invoice_pb2.Invoice
    def __init__(self, invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class CreateCreditNoteRequest(_message.Message):
    __slots__ = ("parent", "request_id", "amount", "lines", "reason", "memo")
    class Line(_message.Message):
        __slots__ = ("line_item", "amount", "proration_start_time")
        LINE_ITEM_FIELD_NUMBER: _ClassVar[int]
        AMOUNT_FIELD_NUMBER: _ClassVar[int]
        PRORATION_START_TIME_FIELD_NUMBER: _ClassVar[int]
        line_item: str
        amount: _money_pb2.Money
        proration_start_time: _timestamp_pb2.Timestamp
        def __init__(self, line_item: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., proration_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    amount: _money_pb2.Money
    lines: _containers.RepeatedCompositeFieldContainer[CreateCreditNoteRequest.Line]
    reason: _credit_note_pb2.CreditNoteReason
    memo: str
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[CreateCreditNoteRequest.Line, _Mapping]]] = ..., reason: _Optional[_Union[_credit_note_pb2.CreditNoteReason, str]] = ..., memo: _Optional[str] = ...) -> None: ...

class CreateCreditNoteResponse(_message.Message):
    __slots__ = ("credit_note", "invoice")
    CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    credit_note: _credit_note_pb2.CreditNote
    invoice: _invoice_pb2.Invoice
    def __init__(self, credit_note: _Optional[_Union[_credit_note_pb2.CreditNote, _Mapping]] = ..., invoice: _Optional[_Union[_invoice_pb2.Invoice, _Mapping]] = ...) -> None: ...

class GetCreditNoteRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCreditNoteResponse(_message.Message):
    __slots__ = ("credit_note",)
    CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    credit_note: _credit_note_pb2.CreditNote
    def __init__(self, credit_note: _Optional[_Union[_credit_note_pb2.CreditNote, _Mapping]] = ...) -> None: ...

class ListCreditNotesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCreditNotesResponse(_message.Message):
    __slots__ = ("credit_notes", "next_page_token")
    CREDIT_NOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credit_notes: _containers.RepeatedCompositeFieldContainer[_credit_note_pb2.CreditNote]
    next_page_token: str
    def __init__(self, credit_notes: _Optional[_Iterable[_Union[_credit_note_pb2.CreditNote, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
