"""ReadCompiler: which statements it compiles, and what their compiled form binds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg

from mesh.persistence.compiled_reads import ReadCompiler

table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.String), sa.Column("n", sa.Integer))
BY_ID = sa.select(table).where(table.c.id == sa.bindparam("p_id"))


def test_a_statement_is_compiled_when_it_is_seen_again() -> None:
    compiler = ReadCompiler(sqlite.dialect())

    first, second, third = (compiler.lookup(BY_ID) for _ in range(3))

    assert first is None and second is not None and third is second
    assert second.sql == str(BY_ID.compile(dialect=sqlite.dialect()))
    assert second.arguments({"p_id": "x"}) == ("x",)


def test_a_statement_built_for_each_call_is_never_compiled() -> None:
    compiler = ReadCompiler(sqlite.dialect())

    assert all(compiler.lookup(sa.select(table).where(table.c.n > n)) is None for n in range(5))


def test_values_bound_in_the_statement_are_its_arguments_in_sql_order() -> None:
    statement = sa.select(table.c.id).where(table.c.n > 5, table.c.id == sa.bindparam("p_id")).limit(3)
    compiler = ReadCompiler(asyncpg.dialect())

    compiler.lookup(statement)
    compiled = compiler.lookup(statement)

    assert compiled is not None and "$1" in compiled.sql and "$3" in compiled.sql
    assert compiled.arguments({"p_id": "x"}) == (5, "x", 3)


def test_statements_whose_sql_depends_on_their_arguments_are_left_to_the_engine() -> None:
    expanding = sa.select(table).where(table.c.id.in_(sa.bindparam("ids", expanding=True)))
    literal_list = sa.select(table).where(table.c.id.in_(["a", "b"]))
    write = sa.update(table).values(n=1)
    compiler = ReadCompiler(sqlite.dialect())

    for statement in (expanding, literal_list, write):
        assert [compiler.lookup(statement) for _ in range(3)] == [None, None, None]
