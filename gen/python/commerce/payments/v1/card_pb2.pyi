from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CardBrand(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_BRAND_UNSPECIFIED: _ClassVar[CardBrand]
    CARD_BRAND_VISA: _ClassVar[CardBrand]
    CARD_BRAND_MASTERCARD: _ClassVar[CardBrand]
    CARD_BRAND_AMEX: _ClassVar[CardBrand]
    CARD_BRAND_DISCOVER: _ClassVar[CardBrand]
    CARD_BRAND_OTHER: _ClassVar[CardBrand]
CARD_BRAND_UNSPECIFIED: CardBrand
CARD_BRAND_VISA: CardBrand
CARD_BRAND_MASTERCARD: CardBrand
CARD_BRAND_AMEX: CardBrand
CARD_BRAND_DISCOVER: CardBrand
CARD_BRAND_OTHER: CardBrand

class Card(_message.Message):
    __slots__ = ("brand", "last4", "exp_month", "exp_year", "fingerprint")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    def __init__(self, brand: _Optional[_Union[CardBrand, str]] = ..., last4: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., fingerprint: _Optional[str] = ...) -> None: ...
