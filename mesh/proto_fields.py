"""Domain values as the field dicts a protobuf constructor takes, for messages built per call.

A constructor given a dict fills the nested message in place; given a message it copies it, and
`Timestamp.FromDatetime` is pure Python (a struct_time and a `calendar.timegm` per call). On the
read path (payments' GetPaymentIntent: two timestamps and three amounts) that was over half of
building the answer: 16 µs against 7 µs with these.
"""

from __future__ import annotations

import datetime

from mesh.money import Money

__all__ = ["money_fields", "timestamp_fields"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_NANOS_PER_MICROSECOND = 1000


def timestamp_fields(moment: datetime.datetime) -> dict[str, int]:
    """google.protobuf.Timestamp's fields for an aware `moment`; a naive one raises TypeError
    (an instant without a zone is a bug on a money path)."""
    since = moment - _EPOCH
    return {
        "seconds": since.days * 86_400 + since.seconds,
        "nanos": since.microseconds * _NANOS_PER_MICROSECOND,
    }


def money_fields(money: Money) -> dict[str, str | int]:
    """commerce.type.v1.Money's fields for `money`."""
    return {"currency_code": money.currency_code, "amount_minor": money.amount_minor}
