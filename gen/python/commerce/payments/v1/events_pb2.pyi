from commerce.payments.v1 import payment_intent_pb2 as _payment_intent_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentAuthorized(_message.Message):
    __slots__ = ("payment_intent", "order", "amount", "psp", "psp_reference")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    order: str
    amount: _money_pb2.Money
    psp: str
    psp_reference: str
    def __init__(self, payment_intent: _Optional[str] = ..., order: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., psp: _Optional[str] = ..., psp_reference: _Optional[str] = ...) -> None: ...

class PaymentCaptured(_message.Message):
    __slots__ = ("payment_intent", "order", "amount", "amount_captured_total", "fee", "psp", "psp_reference")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    order: str
    amount: _money_pb2.Money
    amount_captured_total: _money_pb2.Money
    fee: _money_pb2.Money
    psp: str
    psp_reference: str
    def __init__(self, payment_intent: _Optional[str] = ..., order: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_captured_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., psp: _Optional[str] = ..., psp_reference: _Optional[str] = ...) -> None: ...

class PaymentFailed(_message.Message):
    __slots__ = ("payment_intent", "order", "amount", "decline_code", "hard_decline")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    HARD_DECLINE_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    order: str
    amount: _money_pb2.Money
    decline_code: str
    hard_decline: bool
    def __init__(self, payment_intent: _Optional[str] = ..., order: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., decline_code: _Optional[str] = ..., hard_decline: _Optional[bool] = ...) -> None: ...

class PaymentCanceled(_message.Message):
    __slots__ = ("payment_intent", "order", "amount", "reason", "psp")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    order: str
    amount: _money_pb2.Money
    reason: str
    psp: str
    def __init__(self, payment_intent: _Optional[str] = ..., order: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., psp: _Optional[str] = ...) -> None: ...

class PaymentRefunded(_message.Message):
    __slots__ = ("payment_intent", "refund", "order", "amount", "amount_refunded_total", "psp", "psp_reference")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    refund: str
    order: str
    amount: _money_pb2.Money
    amount_refunded_total: _money_pb2.Money
    psp: str
    psp_reference: str
    def __init__(self, payment_intent: _Optional[str] = ..., refund: _Optional[str] = ..., order: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount_refunded_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., psp: _Optional[str] = ..., psp_reference: _Optional[str] = ...) -> None: ...

class PaymentIntentStateChanged(_message.Message):
    __slots__ = ("payment_intent", "order", "from_state", "to_state", "version")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: str
    order: str
    from_state: _payment_intent_pb2.PaymentIntentState
    to_state: _payment_intent_pb2.PaymentIntentState
    version: int
    def __init__(self, payment_intent: _Optional[str] = ..., order: _Optional[str] = ..., from_state: _Optional[_Union[_payment_intent_pb2.PaymentIntentState, str]] = ..., to_state: _Optional[_Union[_payment_intent_pb2.PaymentIntentState, str]] = ..., version: _Optional[int] = ...) -> None: ...
