import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BillingInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_INTERVAL_UNSPECIFIED: _ClassVar[BillingInterval]
    BILLING_INTERVAL_DAY: _ClassVar[BillingInterval]
    BILLING_INTERVAL_WEEK: _ClassVar[BillingInterval]
    BILLING_INTERVAL_MONTH: _ClassVar[BillingInterval]
    BILLING_INTERVAL_YEAR: _ClassVar[BillingInterval]
BILLING_INTERVAL_UNSPECIFIED: BillingInterval
BILLING_INTERVAL_DAY: BillingInterval
BILLING_INTERVAL_WEEK: BillingInterval
BILLING_INTERVAL_MONTH: BillingInterval
BILLING_INTERVAL_YEAR: BillingInterval

class Plan(_message.Message):
    __slots__ = ("name", "display_name", "description", "price", "billing_interval", "interval_count", "trial_period_days", "active", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    BILLING_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRIAL_PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    price: _money_pb2.Money
    billing_interval: BillingInterval
    interval_count: int
    trial_period_days: int
    active: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., billing_interval: _Optional[_Union[BillingInterval, str]] = ..., interval_count: _Optional[int] = ..., trial_period_days: _Optional[int] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
