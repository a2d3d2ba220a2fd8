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

class OrderState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATE_UNSPECIFIED: _ClassVar[OrderState]
    ORDER_STATE_PENDING: _ClassVar[OrderState]
    ORDER_STATE_CONFIRMED: _ClassVar[OrderState]
    ORDER_STATE_FAILED: _ClassVar[OrderState]
    ORDER_STATE_CANCELED: _ClassVar[OrderState]

class SagaStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SAGA_STEP_UNSPECIFIED: _ClassVar[SagaStep]
    SAGA_STEP_PRICE: _ClassVar[SagaStep]
    SAGA_STEP_AUTHORIZE_PAYMENT: _ClassVar[SagaStep]
    SAGA_STEP_ISSUE_INVOICE: _ClassVar[SagaStep]
    SAGA_STEP_CAPTURE_PAYMENT: _ClassVar[SagaStep]
    SAGA_STEP_CONFIRM: _ClassVar[SagaStep]
    SAGA_STEP_COMPENSATE: _ClassVar[SagaStep]
ORDER_STATE_UNSPECIFIED: OrderState
ORDER_STATE_PENDING: OrderState
ORDER_STATE_CONFIRMED: OrderState
ORDER_STATE_FAILED: OrderState
ORDER_STATE_CANCELED: OrderState
SAGA_STEP_UNSPECIFIED: SagaStep
SAGA_STEP_PRICE: SagaStep
SAGA_STEP_AUTHORIZE_PAYMENT: SagaStep
SAGA_STEP_ISSUE_INVOICE: SagaStep
SAGA_STEP_CAPTURE_PAYMENT: SagaStep
SAGA_STEP_CONFIRM: SagaStep
SAGA_STEP_COMPENSATE: SagaStep

class OrderLineItem(_message.Message):
    __slots__ = ("product", "description", "quantity", "unit_price", "total")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    product: str
    description: str
    quantity: int
    unit_price: _money_pb2.Money
    total: _money_pb2.Money
    def __init__(self, product: _Optional[str] = ..., description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("name", "cart", "state", "saga_step", "line_items", "subtotal", "tax", "total", "customer", "email", "payment_method", "payment_intent", "invoice", "failed_step", "failure_reason", "failure_message", "cancel_reason", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CART_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SAGA_STEP_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    FAILED_STEP_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    cart: str
    state: OrderState
    saga_step: SagaStep
    line_items: _containers.RepeatedCompositeFieldContainer[OrderLineItem]
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    customer: str
    email: str
    payment_method: str
    payment_intent: str
    invoice: str
    failed_step: SagaStep
    failure_reason: str
    failure_message: str
    cancel_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., cart: _Optional[str] = ..., state: _Optional[_Union[OrderState, str]] = ..., saga_step: _Optional[_Union[SagaStep, str]] = ..., line_items: _Optional[_Iterable[_Union[OrderLineItem, _Mapping]]] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., customer: _Optional[str] = ..., email: _Optional[str] = ..., payment_method: _Optional[str] = ..., payment_intent: _Optional[str] = ..., invoice: _Optional[str] = ..., failed_step: _Optional[_Union[SagaStep, str]] = ..., failure_reason: _Optional[str] = ..., failure_message: _Optional[str] = ..., cancel_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
