"""A timestamp column type that means the same instant on SQLite and PostgreSQL.

PostgreSQL stores `timestamptz`; SQLite has no time zones and would silently drop the offset of
an aware datetime. UtcDateTime stores UTC on both, refuses naive datetimes (an instant without
a zone is a bug on a money path), and always reads back an aware UTC datetime.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime"]


class UtcDateTime(TypeDecorator[datetime.datetime]):
    """DateTime(timezone=True) that binds aware datetimes only and returns them in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone; pass an aware datetime")
        value = value.astimezone(datetime.UTC)
        # SQLite's DateTime would format the wall clock and lose the offset: store UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime.datetime | None, dialect: Dialect) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)
