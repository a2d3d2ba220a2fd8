import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RefundState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUND_STATE_UNSPECIFIED: _ClassVar[RefundState]
    REFUND_STATE_PENDING: _ClassVar[RefundState]
    REFUND_STATE_SUCCEEDED: _ClassVar[RefundState]
    REFUND_STATE_FAILED: _ClassVar[RefundState]

class RefundReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUND_REASON_UNSPECIFIED: _ClassVar[RefundReason]
    REFUND_REASON_REQUESTED_BY_CUSTOMER: _ClassVar[RefundReason]
    REFUND_REASON_DUPLICATE: _ClassVar[RefundReason]
    REFUND_REASON_FRAUDULENT: _ClassVar[RefundReason]
    REFUND_REASON_ORDER_CANCELED: _ClassVar[RefundReason]
REFUND_STATE_UNSPECIFIED: RefundState
REFUND_STATE_PENDING: RefundState
REFUND_STATE_SUCCEEDED: RefundState
REFUND_STATE_FAILED: RefundState
REFUND_REASON_UNSPECIFIED: RefundReason
REFUND_REASON_REQUESTED_BY_CUSTOMER: RefundReason
REFUND_REASON_DUPLICATE: RefundReason
REFUND_REASON_FRAUDULENT: RefundReason
REFUND_REASON_ORDER_CANCELED: RefundReason

class Refund(_message.Message):
    __slots__ = ("name", "amount", "reason", "state", "psp_reference", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: _money_pb2.Money
    reason: RefundReason
    state: RefundState
    psp_reference: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[RefundReason, str]] = ..., state: _Optional[_Union[RefundState, str]] = ..., psp_reference: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
