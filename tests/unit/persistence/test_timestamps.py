"""UtcDateTime binds aware datetimes as UTC and reads naive SQLite values back as UTC."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from mesh.persistence import UtcDateTime

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
INSTANT = datetime.datetime(2026, 3, 1, 18, 0, tzinfo=TOKYO)


def test_bind_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime.datetime(2026, 3, 1, 9, 0), postgresql.dialect())


def test_bind_on_sqlite_stores_utc_wall_time() -> None:
    bound = UtcDateTime().process_bind_param(INSTANT, sqlite.dialect())

    assert bound == datetime.datetime(2026, 3, 1, 9, 0)


def test_bind_on_postgresql_keeps_the_instant_in_utc() -> None:
    bound = UtcDateTime().process_bind_param(INSTANT, postgresql.dialect())

    assert bound == INSTANT and bound.tzinfo is datetime.UTC


def test_result_without_zone_is_read_as_utc() -> None:
    read = UtcDateTime().process_result_value(datetime.datetime(2026, 3, 1, 9, 0), sqlite.dialect())

    assert read == INSTANT and read.tzinfo is datetime.UTC


def test_none_passes_through_both_ways() -> None:
    column_type = UtcDateTime()

    assert (
        column_type.process_bind_param(None, sqlite.dialect()),
        column_type.process_result_value(None, sqlite.dialect()),
    ) == (None, None)
