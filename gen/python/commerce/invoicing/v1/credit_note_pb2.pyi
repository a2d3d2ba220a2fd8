import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreditNoteReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_NOTE_REASON_UNSPECIFIED: _ClassVar[CreditNoteReason]
    CREDIT_NOTE_REASON_DUPLICATE: _ClassVar[CreditNoteReason]
    CREDIT_NOTE_REASON_FRAUDULENT: _ClassVar[CreditNoteReason]
    CREDIT_NOTE_REASON_ORDER_CHANGE: _ClassVar[CreditNoteReason]
    CREDIT_NOTE_REASON_PRODUCT_UNSATISFACTORY: _ClassVar[CreditNoteReason]
    CREDIT_NOTE_REASON_PRORATION: _ClassVar[CreditNoteReason]
CREDIT_NOTE_REASON_UNSPECIFIED: CreditNoteReason
CREDIT_NOTE_REASON_DUPLICATE: CreditNoteReason
CREDIT_NOTE_REASON_FRAUDULENT: CreditNoteReason
CREDIT_NOTE_REASON_ORDER_CHANGE: CreditNoteReason
CREDIT_NOTE_REASON_PRODUCT_UNSATISFACTORY: CreditNoteReason
CREDIT_NOTE_REASON_PRORATION: CreditNoteReason

class CreditNoteLine(_message.Message):
    __slots__ = ("line_item", "description", "amount", "tax_amount")
    LINE_ITEM_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    line_item: str
    description: str
    amount: _money_pb2.Money
    tax_amount: _money_pb2.Money
    def __init__(self, line_item: _Optional[str] = ..., description: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax_amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CreditNote(_message.Message):
    __slots__ = ("name", "number", "lines", "subtotal", "tax", "total", "reason", "memo", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    number: str
    lines: _containers.RepeatedCompositeFieldContainer[CreditNoteLine]
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    reason: CreditNoteReason
    memo: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., number: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[CreditNoteLine, _Mapping]]] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[CreditNoteReason, str]] = ..., memo: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
