from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_TYPE_UNSPECIFIED: _ClassVar[AccountType]
    ACCOUNT_TYPE_ACCOUNTS_RECEIVABLE: _ClassVar[AccountType]
    ACCOUNT_TYPE_CASH_AT_PSP: _ClassVar[AccountType]
    ACCOUNT_TYPE_PSP_FEES: _ClassVar[AccountType]
    ACCOUNT_TYPE_REVENUE: _ClassVar[AccountType]
    ACCOUNT_TYPE_TAX_PAYABLE: _ClassVar[AccountType]
    ACCOUNT_TYPE_REFUNDS: _ClassVar[AccountType]
    ACCOUNT_TYPE_BAD_DEBT: _ClassVar[AccountType]
    ACCOUNT_TYPE_AUTHORIZATION_HOLDS: _ClassVar[AccountType]
    ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET: _ClassVar[AccountType]
    ACCOUNT_TYPE_DISCOUNTS: _ClassVar[AccountType]
ACCOUNT_TYPE_UNSPECIFIED: AccountType
ACCOUNT_TYPE_ACCOUNTS_RECEIVABLE: AccountType
ACCOUNT_TYPE_CASH_AT_PSP: AccountType
ACCOUNT_TYPE_PSP_FEES: AccountType
ACCOUNT_TYPE_REVENUE: AccountType
ACCOUNT_TYPE_TAX_PAYABLE: AccountType
ACCOUNT_TYPE_REFUNDS: AccountType
ACCOUNT_TYPE_BAD_DEBT: AccountType
ACCOUNT_TYPE_AUTHORIZATION_HOLDS: AccountType
ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET: AccountType
ACCOUNT_TYPE_DISCOUNTS: AccountType

class AccountBalance(_message.Message):
    __slots__ = ("balance", "debits_total", "credits_total", "posting_count")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    DEBITS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CREDITS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    POSTING_COUNT_FIELD_NUMBER: _ClassVar[int]
    balance: _money_pb2.Money
    debits_total: _money_pb2.Money
    credits_total: _money_pb2.Money
    posting_count: int
    def __init__(self, balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., debits_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., credits_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., posting_count: _Optional[int] = ...) -> None: ...
