from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_CART_EMPTY: _ClassVar[ErrorReason]
    ERROR_REASON_CART_ALREADY_CHECKED_OUT: _ClassVar[ErrorReason]
    ERROR_REASON_CART_ITEM_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_CART_ITEM_QUANTITY_EXCEEDED: _ClassVar[ErrorReason]
    ERROR_REASON_CART_TOO_MANY_ITEMS: _ClassVar[ErrorReason]
    ERROR_REASON_PRODUCT_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_PRODUCT_UNAVAILABLE: _ClassVar[ErrorReason]
    ERROR_REASON_PRICE_NOT_AVAILABLE_IN_CURRENCY: _ClassVar[ErrorReason]
    ERROR_REASON_CURRENCY_UNSUPPORTED: _ClassVar[ErrorReason]
    ERROR_REASON_ORDER_STATE_INVALID: _ClassVar[ErrorReason]
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_CART_EMPTY: ErrorReason
ERROR_REASON_CART_ALREADY_CHECKED_OUT: ErrorReason
ERROR_REASON_CART_ITEM_NOT_FOUND: ErrorReason
ERROR_REASON_CART_ITEM_QUANTITY_EXCEEDED: ErrorReason
ERROR_REASON_CART_TOO_MANY_ITEMS: ErrorReason
ERROR_REASON_PRODUCT_NOT_FOUND: ErrorReason
ERROR_REASON_PRODUCT_UNAVAILABLE: ErrorReason
ERROR_REASON_PRICE_NOT_AVAILABLE_IN_CURRENCY: ErrorReason
ERROR_REASON_CURRENCY_UNSUPPORTED: ErrorReason
ERROR_REASON_ORDER_STATE_INVALID: ErrorReason
