from commerce.checkout.v1 import order_pb2 as _order_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderPlaced(_message.Message):
    __slots__ = ("order", "cart", "customer", "subtotal", "tax", "total")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CART_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    order: str
    cart: str
    customer: str
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    def __init__(self, order: _Optional[str] = ..., cart: _Optional[str] = ..., customer: _Optional[str] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class OrderConfirmed(_message.Message):
    __slots__ = ("order", "cart", "subtotal", "tax", "total", "payment_intent", "invoice")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CART_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    order: str
    cart: str
    subtotal: _money_pb2.Money
    tax: _money_pb2.Money
    total: _money_pb2.Money
    payment_intent: str
    invoice: str
    def __init__(self, order: _Optional[str] = ..., cart: _Optional[str] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tax: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_intent: _Optional[str] = ..., invoice: _Optional[str] = ...) -> None: ...

class OrderFailed(_message.Message):
    __slots__ = ("order", "cart", "total", "payment_intent", "invoice", "failed_step", "failure_reason")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CART_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    FAILED_STEP_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    order: str
    cart: str
    total: _money_pb2.Money
    payment_intent: str
    invoice: str
    failed_step: _order_pb2.SagaStep
    failure_reason: str
    def __init__(self, order: _Optional[str] = ..., cart: _Optional[str] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_intent: _Optional[str] = ..., invoice: _Optional[str] = ..., failed_step: _Optional[_Union[_order_pb2.SagaStep, str]] = ..., failure_reason: _Optional[str] = ...) -> None: ...

class OrderCanceled(_message.Message):
    __slots__ = ("order", "cart", "total", "payment_intent", "invoice", "reason")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CART_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order: str
    cart: str
    total: _money_pb2.Money
    payment_intent: str
    invoice: str
    reason: str
    def __init__(self, order: _Optional[str] = ..., cart: _Optional[str] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_intent: _Optional[str] = ..., invoice: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
