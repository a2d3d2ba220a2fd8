"""StatementCompiler: which statements it compiles, and what their compiled form binds."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg

from mesh.persistence.compiled import StatementCompiler
from mesh.persistence.timestamps import UtcDateTime

table = sa.Table(
    "t",
    sa.MetaData(),
    sa.Column("id", sa.String),
    sa.Column("n", sa.Integer),
    sa.Column("d", sa.Integer, default=0),
    sa.Column("s", sa.Integer, server_default="1"),
)
BY_ID = sa.select(table).where(table.c.id == sa.bindparam("p_id"))


def test_a_statement_is_compiled_when_it_is_seen_again() -> None:
    compiler = StatementCompiler(sqlite.dialect())

    first, second, third = (compiler.lookup(BY_ID) for _ in range(3))

    assert first is None and second is not None and third is second
    assert second.sql == str(BY_ID.compile(dialect=sqlite.dialect()))
    assert second.arguments({"p_id": "x"}) == ("x",)


def test_a_statement_built_for_each_call_is_never_compiled() -> None:
    compiler = StatementCompiler(sqlite.dialect())

    assert all(compiler.lookup(sa.select(table).where(table.c.n > n)) is None for n in range(5))


def test_values_bound_in_the_statement_are_its_arguments_in_sql_order() -> None:
    statement = sa.select(table.c.id).where(table.c.n > 5, table.c.id == sa.bindparam("p_id")).limit(3)
    compiler = StatementCompiler(asyncpg.dialect())

    compiler.lookup(statement)
    compiled = compiler.lookup(statement)

    assert compiled is not None and "$1" in compiled.sql and "$3" in compiled.sql
    assert compiled.arguments({"p_id": "x"}) == (5, "x", 3)


def test_a_parameter_used_twice_is_bound_at_each_place_it_appears() -> None:
    # The relay's claim compares `now` and bounds `rows` twice: on SQLite each `?` takes its value
    # again, on PostgreSQL `$n` is one parameter used twice.
    low = sa.bindparam("low")
    statement = sa.select(table.c.id).where(table.c.n >= low, table.c.d >= low, table.c.id == sa.bindparam("p_id"))
    for dialect, arguments in ((sqlite.dialect(), (1, 1, "x")), (asyncpg.dialect(), (1, "x"))):
        compiler = StatementCompiler(dialect)
        compiler.lookup(statement)
        compiled = compiler.lookup(statement)
        assert compiled is not None, dialect.name
        assert compiled.arguments({"low": 1, "p_id": "x"}) == arguments


def test_a_statement_with_a_repeated_parameter_answers_on_sqlite_as_the_engine_does() -> None:
    engine = sa.create_engine("sqlite://")
    table.metadata.create_all(engine)
    low = sa.bindparam("low")
    statement = sa.select(table.c.id).where(table.c.n >= low, table.c.d >= low).order_by(table.c.id)
    compiler = StatementCompiler(engine.dialect)
    compiler.lookup(statement)
    compiled = compiler.lookup(statement)
    assert compiled is not None
    with engine.begin() as conn:
        conn.execute(
            sa.insert(table), [{"id": "a", "n": 1, "d": 5}, {"id": "b", "n": 5, "d": 5}, {"id": "c", "n": 5, "d": 1}]
        )
        by_engine = conn.execute(statement, {"low": 3}).scalars().all()
        raw = conn.connection.dbapi_connection
        assert raw is not None
        direct = [row[0] for row in raw.execute(compiled.sql, compiled.arguments({"low": 3})).fetchall()]
    assert direct == by_engine == ["b"]


def test_statements_whose_sql_depends_on_their_arguments_are_left_to_the_engine() -> None:
    expanding = sa.select(table).where(table.c.id.in_(sa.bindparam("ids", expanding=True)))
    literal_list = sa.select(table).where(table.c.id.in_(["a", "b"]))
    compiler = StatementCompiler(sqlite.dialect())

    for statement in (expanding, literal_list):
        assert [compiler.lookup(statement) for _ in range(3)] == [None, None, None]


def test_a_write_is_compiled_for_the_parameters_it_is_given() -> None:
    insert = sa.insert(table)
    compiler = StatementCompiler(asyncpg.dialect())

    [compiler.lookup(insert, {"id": "a", "n": 1, "d": 2}) for _ in range(2)]
    all_given = compiler.lookup(insert, {"id": "a", "n": 1, "d": 2})
    [compiler.lookup(insert.returning(table.c.s), {"id": "a", "d": 2}) for _ in range(2)]

    assert all_given is not None and not all_given.returns_rows
    assert all_given.sql.startswith("INSERT INTO t (id, n, d) VALUES") and all_given.arguments(
        {"id": "a", "n": 1, "d": 2}
    ) == ("a", 1, 2)


def test_a_write_needing_a_python_default_or_a_read_only_lookup_is_left_to_the_engine() -> None:
    insert, update = sa.insert(table), sa.update(table).values(n=1)
    compiler = StatementCompiler(sqlite.dialect())

    assert [compiler.lookup(insert, {"id": "a"}) for _ in range(3)] == [None, None, None]  # d's default
    assert [compiler.lookup(update, reads_only=True) for _ in range(3)] == [None, None, None]


def test_only_the_columns_with_a_result_processor_are_processed_and_a_short_row_is_refused() -> None:
    stamped = sa.Table("stamped", sa.MetaData(), sa.Column("id", sa.String), sa.Column("at", UtcDateTime))
    statement = sa.select(stamped).where(stamped.c.id == sa.bindparam("p_id"))
    compiler = StatementCompiler(sqlite.dialect())
    compiler.lookup(statement)
    compiled = compiler.lookup(statement)
    assert compiled is not None

    row = compiled.result([("x", "2026-12-03 12:00:00.000000")]).one()

    assert row.id == "x" and row.at == datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)
    with pytest.raises(ValueError, match="a row of 1 columns for a statement of 2"):
        compiled.result([("x",)])
