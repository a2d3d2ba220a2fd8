import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentIntentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_INTENT_STATE_UNSPECIFIED: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_REQUIRES_PAYMENT_METHOD: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_REQUIRES_CONFIRMATION: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_REQUIRES_ACTION: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_PROCESSING: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_REQUIRES_VERIFICATION: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_REQUIRES_CAPTURE: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_SUCCEEDED: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_CANCELED: _ClassVar[PaymentIntentState]
    PAYMENT_INTENT_STATE_FAILED: _ClassVar[PaymentIntentState]

class CaptureMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_METHOD_UNSPECIFIED: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_MANUAL: _ClassVar[CaptureMethod]
    CAPTURE_METHOD_AUTOMATIC: _ClassVar[CaptureMethod]
PAYMENT_INTENT_STATE_UNSPECIFIED: PaymentIntentState
PAYMENT_INTENT_STATE_REQUIRES_PAYMENT_METHOD: PaymentIntentState
PAYMENT_INTENT_STATE_REQUIRES_CONFIRMATION: PaymentIntentState
PAYMENT_INTENT_STATE_REQUIRES_ACTION: PaymentIntentState
PAYMENT_INTENT_STATE_PROCESSING: PaymentIntentState
PAYMENT_INTENT_STATE_REQUIRES_VERIFICATION: PaymentIntentState
PAYMENT_INTENT_STATE_REQUIRES_CAPTURE: PaymentIntentState
PAYMENT_INTENT_STATE_SUCCEEDED: PaymentIntentState
PAYMENT_INTENT_STATE_CANCELED: PaymentIntentState
PAYMENT_INTENT_STATE_FAILED: PaymentIntentState
CAPTURE_METHOD_UNSPECIFIED: CaptureMethod
CAPTURE_METHOD_MANUAL: CaptureMethod
CAPTURE_METHOD_AUTOMATIC: CaptureMethod

class PaymentIntent(_message.Message):
    __slots__ = ("name", "amount", "amount_captured", "amount_refunded", "state", "capture_method", "payment_method", "order", "description", "psp", "psp_reference", "decline_code", "fee", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: _money_pb2.Money
    amount_captured: _money_pb2.Money
    amount_refunded: _money_pb2.Money
    state: PaymentIntentState
    capture_method: CaptureMethod
    payment_method: str
    order: str
    description: str
    psp: str
    psp_reference: str
    decline_code: str
    fee: _money_pb2.Money
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_captured: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_refunded: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., state: _Optional[_Union[PaymentIntentState, str]] = ..., capture_method: _Optional[_Union[CaptureMethod, str]] = ..., payment_method: _Optional[str] = ..., order: _Optional[str] = ..., description: _Optional[str] = ..., psp: _Optional[str] = ..., psp_reference: _Optional[str] = ..., decline_code: _Optional[str] = ..., fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
