from buf.validate import validate_pb2 as _validate_pb2
from commerce.payments.v1 import payment_intent_pb2 as _payment_intent_pb2
from commerce.payments.v1 import refund_pb2 as _refund_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreatePaymentIntentRequest(_message.Message):
    __slots__ = ("parent", "request_id", "amount", "capture_method", "payment_method", "order", "description")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    amount: _money_pb2.Money
    capture_method: _payment_intent_pb2.CaptureMethod
    payment_method: str
    order: str
    description: str
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., capture_method: _Optional[_Union[_payment_intent_pb2.CaptureMethod, str]] = ..., payment_method: _Optional[str] = ..., order: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreatePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class GetPaymentIntentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetPaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class ListPaymentIntentsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "state")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    state: _payment_intent_pb2.PaymentIntentState
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[_payment_intent_pb2.PaymentIntentState, str]] = ...) -> None: ...

class ListPaymentIntentsResponse(_message.Message):
    __slots__ = ("payment_intents", "next_page_token")
    PAYMENT_INTENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    payment_intents: _containers.RepeatedCompositeFieldContainer[_payment_intent_pb2.PaymentIntent]
    next_page_token: str
    def __init__(self, payment_intents: _Optional[_Iterable[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AuthorizePaymentIntentRequest(_message.Message):
    __slots__ = ("name", "request_id", "payment_method")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    payment_method: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class AuthorizePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class CapturePaymentIntentRequest(_message.Message):
    __slots__ = ("name", "request_id", "amount")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    amount: _money_pb2.Money
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CapturePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class CancelPaymentIntentRequest(_message.Message):
    __slots__ = ("name", "request_id", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelPaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class RefundPaymentRequest(_message.Message):
    __slots__ = ("parent", "request_id", "amount", "reason")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    amount: _money_pb2.Money
    reason: _refund_pb2.RefundReason
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[_Union[_refund_pb2.RefundReason, str]] = ...) -> None: ...

class RefundPaymentResponse(_message.Message):
    __slots__ = ("refund", "payment_intent")
    REFUND_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    refund: _refund_pb2.Refund
    payment_intent: _payment_intent_pb2.PaymentIntent
    def __init__(self, refund: _Optional[_Union[_refund_pb2.Refund, _Mapping]] = ..., payment_intent: _Optional[_Union[_payment_intent_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class GetRefundRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRefundResponse(_message.Message):
    __slots__ = ("refund",)
    REFUND_FIELD_NUMBER: _ClassVar[int]
    refund: _refund_pb2.Refund
    def __init__(self, refund: _Optional[_Union[_refund_pb2.Refund, _Mapping]] = ...) -> None: ...
