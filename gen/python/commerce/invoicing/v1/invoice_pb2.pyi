import datetime

from buf.validate import validate_pb2 as _validate_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InvoiceState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATE_UNSPECIFIED: _ClassVar[InvoiceState]
    INVOICE_STATE_DRAFT: _ClassVar[InvoiceState]
    INVOICE_STATE_OPEN: _ClassVar[InvoiceState]
    INVOICE_STATE_PAID: _ClassVar[InvoiceState]
    INVOICE_STATE_VOID: _ClassVar[InvoiceState]
    INVOICE_STATE_UNCOLLECTIBLE: _ClassVar[InvoiceState]

class TaxTreatment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAX_TREATMENT_UNSPECIFIED: _ClassVar[TaxTreatment]
    TAX_TREATMENT_TAXABLE: _ClassVar[TaxTreatment]
    TAX_TREATMENT_ZERO_RATED: _ClassVar[TaxTreatment]
    TAX_TREATMENT_EXEMPT: _ClassVar[TaxTreatment]
    TAX_TREATMENT_REVERSE_CHARGE: _ClassVar[TaxTreatment]
INVOICE_STATE_UNSPECIFIED: InvoiceState
INVOICE_STATE_DRAFT: InvoiceState
INVOICE_STATE_OPEN: InvoiceState
INVOICE_STATE_PAID: InvoiceState
INVOICE_STATE_VOID: InvoiceState
INVOICE_STATE_UNCOLLECTIBLE: InvoiceState
TAX_TREATMENT_UNSPECIFIED: TaxTreatment
TAX_TREATMENT_TAXABLE: TaxTreatment
TAX_TREATMENT_ZERO_RATED: TaxTreatment
TAX_TREATMENT_EXEMPT: TaxTreatment
TAX_TREATMENT_REVERSE_CHARGE: TaxTreatment

class CustomerTaxDetails(_message.Message):
    __slots__ = ("country", "region", "tax_id", "business")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    country: str
    region: str
    tax_id: str
    business: bool
    def __init__(self, country: _Optional[str] = ..., region: _Optional[str] = ..., tax_id: _Optional[str] = ..., business: _Optional[bool] = ...) -> None: ...

class InvoiceLineItem(_message.Message):
    __slots__ = ("id", "description", "quantity", "unit_amount", "credit", "tax_code", "period_start_time", "period_end_time", "proration_start_time", "amount", "tax_amount", "amount_credited", "tax_inclusive", "tax_rate", "tax_treatment", "tax_credited")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    TAX_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PRORATION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CREDITED_FIELD_NUMBER: _ClassVar[int]
    TAX_INCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    TAX_RATE_FIELD_NUMBER: _ClassVar[int]
    TAX_TREATMENT_FIELD_NUMBER: _ClassVar[int]
    TAX_CREDITED_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    quantity: int
    unit_amount: _money_pb2.Money
    credit: bool
    tax_code: str
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    proration_start_time: _timestamp_pb2.Timestamp
    amount: _money_pb2.Money
    tax_amount: _money_pb2.Money
    amount_credited: _money_pb2.Money
    tax_inclusive: bool
    tax_rate: str
    tax_treatment: TaxTreatment
    tax_credited: _money_pb2.Money
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., credit: _Optional[bool] = ..., tax_code: _Optional[str] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., proration_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax_inclusive: _Optional[bool] = ..., tax_rate: _Optional[str] = ..., tax_treatment: _Optional[_Union[TaxTreatment, str]] = ..., tax_credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("name", "number", "state", "customer", "currency_code", "line_items", "subtotal", "tax", "total", "amount_paid", "amount_credited", "amount_due", "order", "subscription", "payment_intents", "days_until_due", "due_time", "issue_time", "create_time", "update_time", "discounts", "amount_voided", "customer_credit", "amount_written_off", "customer_tax")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CREDITED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENTS_FIELD_NUMBER: _ClassVar[int]
    DAYS_UNTIL_DUE_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_VOIDED_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CREDIT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_WRITTEN_OFF_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TAX_FIELD_NUMBER: _ClassVar[int]
    name: str
    number: str
    state: InvoiceState
    customer: str
    currency_code: str
    line_items: _containers.RepeatedCompositeFieldContainer[InvoiceLineItem]
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    amount_paid: _money_pb2.Money
    amount_credited: _money_pb2.Money
    amount_due: _money_pb2.Money
    order: str
    subscription: str
    payment_intents: _containers.RepeatedScalarFieldContainer[str]
    days_until_due: int
    due_time: _timestamp_pb2.Timestamp
    issue_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    discounts: _money_pb2.Money
    amount_voided: _money_pb2.Money
    customer_credit: _money_pb2.Money
    amount_written_off: _money_pb2.Money
    customer_tax: CustomerTaxDetails
    def __init__(self, name: _Optional[str] = ..., number: _Optional[str] = ..., state: _Optional[_Union[InvoiceState, str]] = ..., customer: _Optional[str] = ..., currency_code: _Optional[str] = ..., line_items: _Optional[_Iterable[_Union[InvoiceLineItem, _Mapping]]] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., order: _Optional[str] = ..., subscription: _Optional[str] = ..., payment_intents: _Optional[_Iterable[str]] = ..., days_until_due: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discounts: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_voided: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., customer_credit: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_written_off: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., customer_tax: _Optional[_Union[CustomerTaxDetails, _Mapping]] = ...) -> None: ...
