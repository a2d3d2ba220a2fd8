import datetime

from commerce.subscriptions.v1 import subscription_pb2 as _subscription_pb2
from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscriptionCreated(_message.Message):
    __slots__ = ("subscription", "customer_id", "plan", "price", "state", "trial_end_time")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    customer_id: str
    plan: str
    price: _money_pb2.Money
    state: _subscription_pb2.SubscriptionState
    trial_end_time: _timestamp_pb2.Timestamp
    def __init__(self, subscription: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., state: _Optional[_Union[_subscription_pb2.SubscriptionState, str]] = ..., trial_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscriptionRenewalDue(_message.Message):
    __slots__ = ("subscription", "customer_id", "plan", "amount", "payment_method", "period_start_time", "period_end_time")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    customer_id: str
    plan: str
    amount: _money_pb2.Money
    payment_method: str
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    def __init__(self, subscription: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_method: _Optional[str] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscriptionRenewed(_message.Message):
    __slots__ = ("subscription", "plan", "invoice", "amount_paid", "period_start_time", "period_end_time", "recovered")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    plan: str
    invoice: str
    amount_paid: _money_pb2.Money
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    recovered: bool
    def __init__(self, subscription: _Optional[str] = ..., plan: _Optional[str] = ..., invoice: _Optional[str] = ..., amount_paid: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recovered: _Optional[bool] = ...) -> None: ...

class SubscriptionPastDue(_message.Message):
    __slots__ = ("subscription", "plan", "invoice", "amount_due", "attempt_count", "next_retry_time", "grace_period_end_time", "decline_code", "hard_decline")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_RETRY_TIME_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    HARD_DECLINE_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    plan: str
    invoice: str
    amount_due: _money_pb2.Money
    attempt_count: int
    next_retry_time: _timestamp_pb2.Timestamp
    grace_period_end_time: _timestamp_pb2.Timestamp
    decline_code: str
    hard_decline: bool
    def __init__(self, subscription: _Optional[str] = ..., plan: _Optional[str] = ..., invoice: _Optional[str] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., attempt_count: _Optional[int] = ..., next_retry_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grace_period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decline_code: _Optional[str] = ..., hard_decline: _Optional[bool] = ...) -> None: ...

class SubscriptionSuspended(_message.Message):
    __slots__ = ("subscription", "plan", "invoice", "amount_due", "attempt_count")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    plan: str
    invoice: str
    amount_due: _money_pb2.Money
    attempt_count: int
    def __init__(self, subscription: _Optional[str] = ..., plan: _Optional[str] = ..., invoice: _Optional[str] = ..., amount_due: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., attempt_count: _Optional[int] = ...) -> None: ...

class SubscriptionCanceled(_message.Message):
    __slots__ = ("subscription", "customer_id", "plan", "canceled_time", "at_period_end", "reason", "unpaid_invoice")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CANCELED_TIME_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNPAID_INVOICE_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    customer_id: str
    plan: str
    canceled_time: _timestamp_pb2.Timestamp
    at_period_end: bool
    reason: str
    unpaid_invoice: str
    def __init__(self, subscription: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan: _Optional[str] = ..., canceled_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_period_end: _Optional[bool] = ..., reason: _Optional[str] = ..., unpaid_invoice: _Optional[str] = ...) -> None: ...

class SubscriptionPlanChanged(_message.Message):
    __slots__ = ("subscription", "previous_plan", "plan", "previous_price", "price", "proration_behavior", "change_time", "period_start_time", "period_end_time", "period_reset")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PLAN_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PRICE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PRORATION_BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_RESET_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    previous_plan: str
    plan: str
    previous_price: _money_pb2.Money
    price: _money_pb2.Money
    proration_behavior: _subscription_pb2.ProrationBehavior
    change_time: _timestamp_pb2.Timestamp
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    period_reset: bool
    def __init__(self, subscription: _Optional[str] = ..., previous_plan: _Optional[str] = ..., plan: _Optional[str] = ..., previous_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., proration_behavior: _Optional[_Union[_subscription_pb2.ProrationBehavior, str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_reset: _Optional[bool] = ...) -> None: ...

class SubscriptionPaused(_message.Message):
    __slots__ = ("subscription", "plan", "pause_time", "resume_time")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PAUSE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    plan: str
    pause_time: _timestamp_pb2.Timestamp
    resume_time: _timestamp_pb2.Timestamp
    def __init__(self, subscription: _Optional[str] = ..., plan: _Optional[str] = ..., pause_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscriptionResumed(_message.Message):
    __slots__ = ("subscription", "plan", "resume_time", "period_start_time", "period_end_time")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    subscription: str
    plan: str
    resume_time: _timestamp_pb2.Timestamp
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    def __init__(self, subscription: _Optional[str] = ..., plan: _Optional[str] = ..., resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
