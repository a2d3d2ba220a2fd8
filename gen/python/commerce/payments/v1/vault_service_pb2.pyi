from buf.validate import validate_pb2 as _validate_pb2
from commerce.payments.v1 import card_pb2 as _card_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TokenizeCardRequest(_message.Message):
    __slots__ = ("parent", "request_id", "card_number", "exp_month", "exp_year", "cvc", "cardholder_name")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CVC_FIELD_NUMBER: _ClassVar[int]
    CARDHOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    card_number: str
    exp_month: int
    exp_year: int
    cvc: str
    cardholder_name: str
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., card_number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cvc: _Optional[str] = ..., cardholder_name: _Optional[str] = ...) -> None: ...

class TokenizeCardResponse(_message.Message):
    __slots__ = ("token", "card")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    token: str
    card: _card_pb2.Card
    def __init__(self, token: _Optional[str] = ..., card: _Optional[_Union[_card_pb2.Card, _Mapping]] = ...) -> None: ...
