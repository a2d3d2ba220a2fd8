import datetime

from commerce.invoicing.v1 import credit_note_pb2 as _credit_note_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InvoiceIssued(_message.Message):
    __slots__ = ("invoice", "number", "customer", "order", "subscription", "subtotal", "tax", "total", "amount_due", "due_time", "discounts")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    number: str
    customer: str
    order: str
    subscription: str
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    amount_due: _money_pb2.Money
    due_time: _timestamp_pb2.Timestamp
    discounts: _money_pb2.Money
    def __init__(self, invoice: _Optional[str] = ..., number: _Optional[str] = ..., customer: _Optional[str] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discounts: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class InvoicePaid(_message.Message):
    __slots__ = ("invoice", "number", "customer", "order", "subscription", "amount_paid", "amount_credited", "payment_intent")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CREDITED_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    number: str
    customer: str
    order: str
    subscription: str
    amount_paid: _money_pb2.Money
    amount_credited: _money_pb2.Money
    payment_intent: str
    def __init__(self, invoice: _Optional[str] = ..., number: _Optional[str] = ..., customer: _Optional[str] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., amount_paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_intent: _Optional[str] = ...) -> None: ...

class InvoicePaymentFailed(_message.Message):
    __slots__ = ("invoice", "number", "customer", "subscription", "payment_intent", "amount", "amount_due", "decline_code", "hard_decline")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    HARD_DECLINE_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    number: str
    customer: str
    subscription: str
    payment_intent: str
    amount: _money_pb2.Money
    amount_due: _money_pb2.Money
    decline_code: str
    hard_decline: bool
    def __init__(self, invoice: _Optional[str] = ..., number: _Optional[str] = ..., customer: _Optional[str] = ..., subscription: _Optional[str] = ..., payment_intent: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., decline_code: _Optional[str] = ..., hard_decline: _Optional[bool] = ...) -> None: ...

class InvoiceVoided(_message.Message):
    __slots__ = ("invoice", "number", "customer", "order", "subscription", "amount_voided", "reason")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_VOIDED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    number: str
    customer: str
    order: str
    subscription: str
    amount_voided: _money_pb2.Money
    reason: str
    def __init__(self, invoice: _Optional[str] = ..., number: _Optional[str] = ..., customer: _Optional[str] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., amount_voided: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class InvoiceMarkedUncollectible(_message.Message):
    __slots__ = ("invoice", "number", "customer", "order", "subscription", "amount_written_off")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_WRITTEN_OFF_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    number: str
    customer: str
    order: str
    subscription: str
    amount_written_off: _money_pb2.Money
    def __init__(self, invoice: _Optional[str] = ..., number: _Optional[str] = ..., customer: _Optional[str] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., amount_written_off: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CreditNoteIssued(_message.Message):
    __slots__ = ("credit_note", "invoice", "customer", "number", "total", "tax", "reason", "invoice_amount_credited", "invoice_amount_due")
    CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_AMOUNT_CREDITED_FIELD_NUMBER: _ClassVar[int]
    INVOICE_AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    credit_note: str
    invoice: str
    customer: str
    number: str
    total: _money_pb2.Money
    tax: _money_pb2.Money
    reason: _credit_note_pb2.CreditNoteReason
    invoice_amount_credited: _money_pb2.Money
    invoice_amount_due: _money_pb2.Money
    def __init__(self, credit_note: _Optional[str] = ..., invoice: _Optional[str] = ..., customer: _Optional[str] = ..., number: _Optional[str] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[_credit_note_pb2.CreditNoteReason, str]] = ..., invoice_amount_credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., invoice_amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ReconciliationCompleted(_message.Message):
    __slots__ = ("reconciliation_report", "psp", "settlement_date", "line_count", "matched_count", "mismatched_count")
    RECONCILIATION_REPORT_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISMATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    reconciliation_report: str
    psp: str
    settlement_date: str
    line_count: int
    matched_count: int
    mismatched_count: int
    def __init__(self, reconciliation_report: _Optional[str] = ..., psp: _Optional[str] = ..., settlement_date: _Optional[str] = ..., line_count: _Optional[int] = ..., matched_count: _Optional[int] = ..., mismatched_count: _Optional[int] = ...) -> None: ...
