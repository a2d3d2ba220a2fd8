"""The INSERT that can say what to do on a conflict, in the form of the database's own dialect.

Both supported databases spell ON CONFLICT … DO NOTHING / DO UPDATE the same way, but SQLAlchemy
builds it from each dialect's own `insert()`; this picks it by the dialect's name, so a store
writes `insert_for(conn.dialect.name, table).values(…).on_conflict_do_nothing(…)` once for both.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["DIALECTS", "insert_for"]

DIALECTS = ("postgresql", "sqlite")


def insert_for(dialect: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """`table`'s INSERT in `dialect` ("postgresql" or "sqlite"), with its on_conflict_* methods."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported dialect {dialect!r}")
