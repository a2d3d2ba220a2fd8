import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscriptionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATE_UNSPECIFIED: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_TRIALING: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_ACTIVE: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_PAST_DUE: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_PAUSED: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_SUSPENDED: _ClassVar[SubscriptionState]
    SUBSCRIPTION_STATE_CANCELED: _ClassVar[SubscriptionState]

class ProrationBehavior(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRORATION_BEHAVIOR_UNSPECIFIED: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_CREATE_PRORATIONS: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_NONE: _ClassVar[ProrationBehavior]
    PRORATION_BEHAVIOR_ALWAYS_INVOICE: _ClassVar[ProrationBehavior]
SUBSCRIPTION_STATE_UNSPECIFIED: SubscriptionState
SUBSCRIPTION_STATE_TRIALING: SubscriptionState
SUBSCRIPTION_STATE_ACTIVE: SubscriptionState
SUBSCRIPTION_STATE_PAST_DUE: SubscriptionState
SUBSCRIPTION_STATE_PAUSED: SubscriptionState
SUBSCRIPTION_STATE_SUSPENDED: SubscriptionState
SUBSCRIPTION_STATE_CANCELED: SubscriptionState
PRORATION_BEHAVIOR_UNSPECIFIED: ProrationBehavior
PRORATION_BEHAVIOR_CREATE_PRORATIONS: ProrationBehavior
PRORATION_BEHAVIOR_NONE: ProrationBehavior
PRORATION_BEHAVIOR_ALWAYS_INVOICE: ProrationBehavior

class DunningStatus(_message.Message):
    __slots__ = ("invoice", "attempt_count", "next_retry_time", "grace_period_end_time", "last_decline_code", "hard_decline", "start_time")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_RETRY_TIME_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    HARD_DECLINE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    invoice: str
    attempt_count: int
    next_retry_time: _timestamp_pb2.Timestamp
    grace_period_end_time: _timestamp_pb2.Timestamp
    last_decline_code: str
    hard_decline: bool
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, invoice: _Optional[str] = ..., attempt_count: _Optional[int] = ..., next_retry_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grace_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_decline_code: _Optional[str] = ..., hard_decline: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("name", "customer_id", "plan", "payment_method", "state", "current_period_start_time", "current_period_end_time", "trial_end_time", "cancel_at_period_end", "canceled_time", "cancel_reason", "pause_time", "resume_time", "dunning", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCELED_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    PAUSE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    DUNNING_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    customer_id: str
    plan: str
    payment_method: str
    state: SubscriptionState
    current_period_start_time: _timestamp_pb2.Timestamp
    current_period_end_time: _timestamp_pb2.Timestamp
    trial_end_time: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    canceled_time: _timestamp_pb2.Timestamp
    cancel_reason: str
    pause_time: _timestamp_pb2.Timestamp
    resume_time: _timestamp_pb2.Timestamp
    dunning: DunningStatus
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan: _Optional[str] = ..., payment_method: _Optional[str] = ..., state: _Optional[_Union[SubscriptionState, str]] = ..., current_period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trial_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., canceled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_reason: _Optional[str] = ..., pause_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dunning: _Optional[_Union[DunningStatus, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
