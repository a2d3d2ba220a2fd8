"""`column IN (a list given when the statement runs)`, as SQL that does not change with the list.

SQLAlchemy's expanding IN renders one placeholder per value, so the SQL differs from one call
to the next and the statement cannot be compiled once (mesh.persistence.compiled): it takes
SQLAlchemy's whole execution path, on SQLite through aiosqlite's thread, while it holds the
writer. Here the list is one parameter: on PostgreSQL an array (`IN (SELECT value FROM
unnest($1) AS value)`), on SQLite a JSON array read by `json_each`. An empty list matches
nothing, as IN () would.

    LEASE = sa.update(outbox).where(member_of(outbox.c.position, "positions")).values(...)
    await conn.execute(LEASE, {"positions": [3, 4, 9]})
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["member_of"]


class _ValueList(sa.types.TypeDecorator[Sequence[Any]]):
    """A list of ints or strings bound as one value: an array on PostgreSQL, JSON text elsewhere."""

    impl = sa.types.Text
    cache_ok = True

    def __init__(self, element: sa.types.TypeEngine[Any]) -> None:
        super().__init__()
        self.element = element

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.element))
        return dialect.type_descriptor(sa.types.Text())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            raise ValueError("member_of needs a list of values, not None")
        if dialect.name == "postgresql":
            return list(value)
        return json.dumps(list(value))


class _Values(sa.sql.functions.FunctionElement[Any]):
    """The table of the list's values, one column `value`: json_each on SQLite, unnest on PostgreSQL."""

    name = "list_values"
    inherit_cache = True


def member_of(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """`column` is one of the values the parameter `name` gives (a list of ints or strings)."""
    values = _Values(sa.bindparam(name, type_=_ValueList(column.type)))
    return column.in_(sa.select(sa.literal_column("value")).select_from(values))


@compiles(_Values)
def _json_each(element: _Values, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(_Values, "postgresql")
def _unnest(element: _Values, compiler: SQLCompiler, **kw: Any) -> str:
    return f"unnest({compiler.process(element.clauses, **kw)}) AS value"
