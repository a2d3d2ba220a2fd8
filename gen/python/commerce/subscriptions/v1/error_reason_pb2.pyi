from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_SUBSCRIPTION_STATE_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_SUBSCRIPTION_ALREADY_CANCELED: _ClassVar[ErrorReason]
    ERROR_REASON_PLAN_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_PLAN_INACTIVE: _ClassVar[ErrorReason]
    ERROR_REASON_PLAN_CURRENCY_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_PLAN_UNCHANGED: _ClassVar[ErrorReason]
    ERROR_REASON_PAYMENT_METHOD_NOT_FOUND: _ClassVar[ErrorReason]
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_SUBSCRIPTION_STATE_INVALID: ErrorReason
ERROR_REASON_SUBSCRIPTION_ALREADY_CANCELED: ErrorReason
ERROR_REASON_PLAN_NOT_FOUND: ErrorReason
ERROR_REASON_PLAN_INACTIVE: ErrorReason
ERROR_REASON_PLAN_CURRENCY_MISMATCH: ErrorReason
ERROR_REASON_PLAN_UNCHANGED: ErrorReason
ERROR_REASON_PAYMENT_METHOD_NOT_FOUND: ErrorReason
