"""The field dicts build the same messages as Timestamp.FromDatetime and Money.to_proto."""

from __future__ import annotations

import datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from commerce.type.v1 import money_pb2
from mesh.money import Money
from mesh.proto_fields import money_fields, timestamp_fields

_ZONES = st.sampled_from(
    [
        datetime.UTC,
        datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
        datetime.timezone(-datetime.timedelta(hours=8)),
    ]
)


@given(st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30), timezones=_ZONES))
def test_timestamp_fields_match_from_datetime(moment: datetime.datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)
    assert Timestamp(**timestamp_fields(moment)) == expected


def test_timestamp_fields_before_the_epoch_keep_nanos_positive() -> None:
    moment = datetime.datetime(1969, 12, 31, 23, 59, 59, 250_000, tzinfo=datetime.UTC)
    assert timestamp_fields(moment) == {"seconds": -1, "nanos": 250_000_000}


def test_timestamp_fields_refuse_a_naive_datetime() -> None:
    with pytest.raises(TypeError):
        timestamp_fields(datetime.datetime(2026, 12, 3, 12, 0))


def test_money_fields_match_to_proto() -> None:
    money = Money("JPY", -1500)
    assert money_pb2.Money(**money_fields(money)) == money.to_proto()
