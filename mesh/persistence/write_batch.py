"""A transaction's consecutive writes sent to PostgreSQL as one statement: one round trip, not N.

A phase of a request ends in writes whose results nobody reads, only checks: the state change
(fenced on the version it read), its events in the outbox, the idempotency record's recovery
point or outcome (fenced on its owner). Each was a round trip of its own, and on the payments
hot path round trips are most of the CPU (bench/hot_path.py): a payment made 28. Queued with
`write()`, they go together when the transaction next executes anything, or before its COMMIT,
as data-modifying CTEs of one statement:

    WITH w0 AS (UPDATE payment_intents … RETURNING payment_intents.id),
         w1 AS (INSERT INTO outbox … RETURNING 1),
         w2 AS (UPDATE idempotency_records … RETURNING idempotency_records.request_id)
    SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w1), (SELECT count(*) FROM w2)

Each write's check then gets the rows it matched, and one that raises fails the transaction,
which rolls back every write of the batch: the same outcome as checking after each statement.
A transaction whose check failed cannot commit even if the caller catches the error (the other
writes of its batch ran), on every backend alike.

The sub-statements of one statement share its snapshot and cannot see each other's effects, so
a batch never holds two writes to one table (the second is queued after the first is sent), and
a read or any other statement is preceded by sending what is queued: every statement still
sees the writes made before it. Elsewhere (SQLite, whose statements are calls on the loop's
thread, not round trips; PostgreSQL outside a transaction, where each statement commits on its
own) a write runs at once and is checked at once.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from mesh.persistence.compiled import CompiledStatement

__all__ = ["Check", "QueuedWrite", "batchable", "checked", "combined"]

Check = Callable[[int], None]  # given the rows a write matched; raises to fail the transaction
_PLACEHOLDER = re.compile(r"\$(\d+)")


@dataclasses.dataclass(frozen=True)
class QueuedWrite:
    table: str
    compiled: CompiledStatement
    arguments: tuple[Any, ...]
    check: Check | None


def batchable(compiled: CompiledStatement) -> bool:
    """Whether a compiled write can be a CTE of a batch: its only `$n` are its parameters, which
    holds when it quotes nothing (a quoted literal or name could hold a `$n` of its own)."""
    return "'" not in compiled.sql and '"' not in compiled.sql


def combined(writes: Sequence[QueuedWrite]) -> tuple[str, tuple[Any, ...]]:
    """One statement running `writes` and answering how many rows each matched, with its arguments."""
    sql = _combined_sql(tuple(write.compiled for write in writes))
    return sql, tuple(argument for write in writes for argument in write.arguments)


# A handler queues the same statements in the same order on every call: renumbering their
# placeholders was 3% of a payment's CPU. Keyed by the compiled statements themselves (compared
# by identity), each built once by the compiler; the few shapes a service has fit easily.
@functools.lru_cache(maxsize=512)
def _combined_sql(statements: tuple[CompiledStatement, ...]) -> str:
    ctes: list[str] = []
    counts: list[str] = []
    taken = 0  # placeholders used by the statements before this one
    for index, compiled in enumerate(statements):
        sql = _PLACEHOLDER.sub(functools.partial(_shifted, by=taken), compiled.sql)
        if not compiled.returns_rows:
            sql += " RETURNING 1"
        ctes.append(f"w{index} AS ({sql})")
        counts.append(f"(SELECT count(*) FROM w{index})")
        taken += len(compiled.names)
    return f"WITH {', '.join(ctes)} SELECT {', '.join(counts)}"


def _shifted(found: re.Match[str], *, by: int) -> str:
    return f"${int(found[1]) + by}"


def checked(writes: Sequence[QueuedWrite], row: Sequence[int]) -> None:
    """Run each write's check on the rows it matched, in the order they were queued."""
    for write, matched in zip(writes, row, strict=True):
        if write.check is not None:
            write.check(int(matched))
