from buf.validate import validate_pb2 as _validate_pb2
from commerce.checkout.v1 import cart_pb2 as _cart_pb2
from commerce.checkout.v1 import order_pb2 as _order_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateCartRequest(_message.Message):
    __slots__ = ("parent", "request_id", "currency_code", "customer", "email")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    currency_code: str
    customer: str
    email: str
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., currency_code: _Optional[str] = ..., customer: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class CreateCartResponse(_message.Message):
    __slots__ = ("cart",)
    CART_FIELD_NUMBER: _ClassVar[int]
    cart: _cart_pb2.Cart
    def __init__(self, cart: _Optional[_Union[_cart_pb2.Cart, _Mapping]] = ...) -> None: ...

class GetCartRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCartResponse(_message.Message):
    __slots__ = ("cart",)
    CART_FIELD_NUMBER: _ClassVar[int]
    cart: _cart_pb2.Cart
    def __init__(self, cart: _Optional[_Union[_cart_pb2.Cart, _Mapping]] = ...) -> None: ...

class AddCartItemRequest(_message.Message):
    __slots__ = ("name", "request_id", "product", "quantity")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    product: str
    quantity: int
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class AddCartItemResponse(_message.Message):
    __slots__ = ("cart",)
    CART_FIELD_NUMBER: _ClassVar[int]
    cart: _cart_pb2.Cart
    def __init__(self, cart: _Optional[_Union[_cart_pb2.Cart, _Mapping]] = ...) -> None: ...

class RemoveCartItemRequest(_message.Message):
    __slots__ = ("name", "request_id", "product")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    product: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., product: _Optional[str] = ...) -> None: ...

class RemoveCartItemResponse(_message.Message):
    __slots__ = ("cart",)
    CART_FIELD_NUMBER: _ClassVar[int]
    cart: _cart_pb2.Cart
    def __init__(self, cart: _Optional[_Union[_cart_pb2.Cart, _Mapping]] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("cart", "request_id", "payment_method")
    CART_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    cart: str
    request_id: str
    payment_method: str
    def __init__(self, cart: _Optional[str] = ..., request_id: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class PlaceOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "state")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    state: _order_pb2.OrderState
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[_order_pb2.OrderState, str]] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[_order_pb2.Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[_order_pb2.Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("name", "request_id", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _order_pb2.Order
    def __init__(self, order: _Optional[_Union[_order_pb2.Order, _Mapping]] = ...) -> None: ...
