"""Statements compiled once, run on the driver's own connection, answered as SQLAlchemy Results.

A statement through SQLAlchemy's execution path cost far more than the statement itself: a
primary-key read on PostgreSQL 126 µs of CPU against asyncpg's own 51 µs on the same connection,
on SQLite 42 µs against sqlite3's 3 µs; a PostgreSQL transaction of three UPDATEs 566 µs against
138 µs (one process, 2 cores; bench/hot_path.py measures the service). SQLAlchemy's cache spares
the compilation, not the cache-key walk, the execution context, the cursor adapter and the
greenlet hop. A statement object a store keeps (module-level, executed again and again) is
compiled here once per dialect and set of parameter names: its SQL, the order of its
parameters, and the bind and result processors of its types. Executing it is binding the
arguments, one driver call, and processing the rows.

Only statements seen twice are compiled: one built per call (a filtered list) would be compiled
every time, which costs more than SQLAlchemy's cached path it takes instead. These always take
SQLAlchemy's path: SQL that depends on the arguments (an expanding IN), a value computed at
execution (a Python-side column default or onupdate, a callable bindparam), executemany.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ScalarResult
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

__all__ = ["CompiledStatement", "Reader", "StatementCompiler", "buffered"]

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Processor = Callable[[Any], Any] | None
# Bounds what the compiler holds: a service keeps a few dozen statements.
_CAPACITY = 512


@dataclasses.dataclass(frozen=True, eq=False)
class CompiledStatement:
    """One statement for one dialect and one set of parameter names."""

    sql: str
    returns_rows: bool
    names: tuple[str, ...]  # the parameters, in the order the SQL takes them
    defaults: Mapping[str, Any]  # values bound in the statement itself
    binds: tuple[Processor, ...]
    keys: tuple[str, ...]  # the result's column keys, as SQLAlchemy names them
    results: tuple[Processor, ...]

    def arguments(self, parameters: Mapping[str, Any] | None) -> tuple[Any, ...]:
        if not parameters:
            values: Mapping[str, Any] = self.defaults
        else:
            values = {**self.defaults, **parameters} if self.defaults else parameters
        arguments = list(map(values.__getitem__, self.names))
        for index, process in self._bound:
            arguments[index] = process(arguments[index])
        return tuple(arguments)

    @functools.cached_property
    def _bound(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """The parameters whose values a bind processor turns into the driver's (most have none)."""
        return tuple((index, process) for index, process in enumerate(self.binds) if process is not None)

    def result(self, rows: Sequence[Sequence[Any]], rowcount: int | None = None) -> Result[Any]:
        """The rows as a Result; `rowcount`: the rows a write matched (its rows' count otherwise)."""
        processed = self._processed
        if processed:
            rows = [_processed_row(row, processed, len(self.results)) for row in rows]
        else:
            rows = [tuple(row) for row in rows]
        result: IteratorResult[Any] = IteratorResult(self._metadata, iter(rows))
        result.rowcount = len(rows) if rowcount is None else rowcount  # type: ignore[attr-defined]
        return result

    @functools.cached_property
    def _metadata(self) -> SimpleResultMetaData:
        return SimpleResultMetaData(self.keys)  # read-only once built: every result shares it

    @functools.cached_property
    def _processed(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """The columns whose values a result processor turns into Python's (most have none)."""
        return tuple((index, process) for index, process in enumerate(self.results) if process is not None)


def _processed_row(
    row: Sequence[Any], processed: tuple[tuple[int, Callable[[Any], Any]], ...], width: int
) -> tuple[Any, ...]:
    values = list(row)
    if len(values) != width:
        raise ValueError(f"a row of {len(values)} columns for a statement of {width}")
    for index, process in processed:
        values[index] = process(values[index])
    return tuple(values)


def buffered(result: CursorResult[Any]) -> Result[Any]:
    """`result` read to its end, to outlive its connection: its rows, or a write's rowcount."""
    if result.returns_rows:
        return result.freeze()()
    empty: IteratorResult[Any] = IteratorResult(SimpleResultMetaData(()), iter(()))
    empty.rowcount = result.rowcount  # type: ignore[attr-defined]
    return empty


class StatementCompiler:
    """The compiled form of each statement a dialect's connections keep executing."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        # (id, parameter names) -> (statement, compiled or None): the statement is held, so its
        # id cannot be reused while it is here.
        self._compiled: collections.OrderedDict[_Key, tuple[Executable, CompiledStatement | None]] = (
            collections.OrderedDict()
        )
        self._seen: collections.OrderedDict[_Key, Executable] = collections.OrderedDict()

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def bind(
        self, statement: Executable, parameters: Parameters, *, reads_only: bool = False
    ) -> tuple[CompiledStatement, tuple[Any, ...]] | None:
        """The compiled statement with its arguments bound, or None: run it through SQLAlchemy
        (a statement not compiled, or executemany's list of parameter sets)."""
        if isinstance(parameters, Sequence):
            return None
        compiled = self.lookup(statement, parameters, reads_only=reads_only)
        return None if compiled is None else (compiled, compiled.arguments(parameters))

    def lookup(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None, *, reads_only: bool = False
    ) -> CompiledStatement | None:
        """The compiled statement, or None: run it through SQLAlchemy instead."""
        if reads_only and not isinstance(statement, Select):
            return None
        key = (id(statement), tuple(parameters) if parameters else ())
        known = self._compiled.get(key)
        if known is not None and known[0] is statement:
            return known[1]
        if self._seen.get(key) is not statement:
            _remember(self._seen, key, statement)
            return None
        del self._seen[key]
        _remember(self._compiled, key, (statement, _compile(statement, self._dialect, key[1])))
        return self._compiled[key][1]


_Key = tuple[int, tuple[str, ...]]


def _remember(cache: collections.OrderedDict[_Key, Any], key: _Key, value: Any) -> None:
    cache[key] = value
    if len(cache) > _CAPACITY:
        cache.popitem(last=False)


def _compile(statement: Executable, dialect: Dialect, names_given: tuple[str, ...]) -> CompiledStatement | None:
    if not isinstance(statement, (Select, UpdateBase)):
        return None
    # An INSERT's or UPDATE's columns are the parameters it is given.
    compiled = statement.compile(dialect=dialect, column_keys=list(names_given))
    if not isinstance(compiled, SQLCompiler) or compiled.post_compile_params or compiled.literal_execute_params:
        return None  # the SQL is only known once the arguments are
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # a column default computed in Python at execution
    names = tuple(compiled.positiontup or ())
    if dialect.paramstyle not in ("qmark", "numeric_dollar"):
        return None  # positional arguments: `?` once per place a parameter appears, `$n` once per parameter
    params = [compiled.binds[name] for name in names]
    if any(param.callable is not None for param in params):
        return None  # a value computed at execution
    binds = tuple(param.type.dialect_impl(dialect).bind_processor(dialect) for param in params)
    defaults = {name: param.effective_value for name, param in zip(names, params, strict=True) if not param.required}
    columns = compiled._result_columns  # SQLAlchemy's own key and type for each column
    return CompiledStatement(
        sql=compiled.string,
        returns_rows=isinstance(statement, Select) or bool(compiled.effective_returning),
        names=names,
        defaults=defaults,
        binds=binds,
        keys=tuple(column.keyname for column in columns),
        results=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns),
    )


class Reader:
    """The part of AsyncConnection that reads use: each reader's execute(), and scalar(),
    scalars(), dialect and in_transaction() on top of it."""

    def __init__(self, compiler: StatementCompiler) -> None:
        self._compiler = compiler

    @property
    def dialect(self) -> Dialect:
        return self._compiler.dialect

    def in_transaction(self) -> bool:
        return False  # every statement is its own implicit transaction

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Result[Any]:
        raise NotImplementedError

    async def scalar(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def scalars(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> ScalarResult[Any]:
        return (await self.execute(statement, parameters)).scalars()
