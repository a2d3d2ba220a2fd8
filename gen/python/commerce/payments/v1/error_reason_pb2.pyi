from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_PAYMENT_INTENT_STATE_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_CARD_DECLINED: _ClassVar[ErrorReason]
    ERROR_REASON_CARD_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_PAYMENT_METHOD_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_AMOUNT_EXCEEDS_CAPTURABLE: _ClassVar[ErrorReason]
    ERROR_REASON_AMOUNT_EXCEEDS_REFUNDABLE: _ClassVar[ErrorReason]
    ERROR_REASON_AUTHENTICATION_REQUIRED: _ClassVar[ErrorReason]
    ERROR_REASON_PSP_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_OUTCOME_UNKNOWN: _ClassVar[ErrorReason]
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_PAYMENT_INTENT_STATE_INVALID: ErrorReason
ERROR_REASON_CARD_DECLINED: ErrorReason
ERROR_REASON_CARD_INVALID: ErrorReason
ERROR_REASON_PAYMENT_METHOD_NOT_FOUND: ErrorReason
ERROR_REASON_AMOUNT_EXCEEDS_CAPTURABLE: ErrorReason
ERROR_REASON_AMOUNT_EXCEEDS_REFUNDABLE: ErrorReason
ERROR_REASON_AUTHENTICATION_REQUIRED: ErrorReason
ERROR_REASON_PSP_UNAVAILABLE: ErrorReason
ERROR_REASON_OUTCOME_UNKNOWN: ErrorReason
