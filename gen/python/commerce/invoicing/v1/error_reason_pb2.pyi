from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INVOICE_STATE_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_INVOICE_EMPTY: _ClassVar[ErrorReason]
    ERROR_REASON_CREDIT_EXCEEDS_INVOICE: _ClassVar[ErrorReason]
    ERROR_REASON_LINE_ITEM_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_LEDGER_UNBALANCED: _ClassVar[ErrorReason]
    ERROR_REASON_ACCOUNT_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_TAX_CALCULATION_FAILED: _ClassVar[ErrorReason]
    ERROR_REASON_TAX_CODE_UNKNOWN: _ClassVar[ErrorReason]
    ERROR_REASON_PAYMENT_NOT_APPLICABLE: _ClassVar[ErrorReason]
    ERROR_REASON_PAYMENT_EXCEEDS_AMOUNT_DUE: _ClassVar[ErrorReason]
    ERROR_REASON_SETTLEMENT_REPORT_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_INVOICE_PAYMENT_FAILED: _ClassVar[ErrorReason]
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INVOICE_STATE_INVALID: ErrorReason
ERROR_REASON_INVOICE_EMPTY: ErrorReason
ERROR_REASON_CREDIT_EXCEEDS_INVOICE: ErrorReason
ERROR_REASON_LINE_ITEM_NOT_FOUND: ErrorReason
ERROR_REASON_LEDGER_UNBALANCED: ErrorReason
ERROR_REASON_ACCOUNT_NOT_FOUND: ErrorReason
ERROR_REASON_TAX_CALCULATION_FAILED: ErrorReason
ERROR_REASON_TAX_CODE_UNKNOWN: ErrorReason
ERROR_REASON_PAYMENT_NOT_APPLICABLE: ErrorReason
ERROR_REASON_PAYMENT_EXCEEDS_AMOUNT_DUE: ErrorReason
ERROR_REASON_SETTLEMENT_REPORT_INVALID: ErrorReason
ERROR_REASON_INVOICE_PAYMENT_FAILED: ErrorReason
