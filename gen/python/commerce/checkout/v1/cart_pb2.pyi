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

class CartState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CART_STATE_UNSPECIFIED: _ClassVar[CartState]
    CART_STATE_OPEN: _ClassVar[CartState]
    CART_STATE_CHECKED_OUT: _ClassVar[CartState]
CART_STATE_UNSPECIFIED: CartState
CART_STATE_OPEN: CartState
CART_STATE_CHECKED_OUT: CartState

class CartItem(_message.Message):
    __slots__ = ("product", "quantity", "unit_price", "total")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    product: str
    quantity: int
    unit_price: _money_pb2.Money
    total: _money_pb2.Money
    def __init__(self, product: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Cart(_message.Message):
    __slots__ = ("name", "state", "currency_code", "customer", "email", "items", "subtotal", "order", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: CartState
    currency_code: str
    customer: str
    email: str
    items: _containers.RepeatedCompositeFieldContainer[CartItem]
    subtotal: _money_pb2.Money
    order: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[CartState, str]] = ..., currency_code: _Optional[str] = ..., customer: _Optional[str] = ..., email: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CartItem, _Mapping]]] = ..., subtotal: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., order: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
