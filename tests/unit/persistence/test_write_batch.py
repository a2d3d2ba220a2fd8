"""A batch of queued writes becomes one statement whose placeholders follow its arguments."""

from __future__ import annotations

from mesh.persistence.compiled import CompiledStatement
from mesh.persistence.write_batch import QueuedWrite, combined


def _statement(sql: str, names: tuple[str, ...], *, returns_rows: bool = False) -> CompiledStatement:
    return CompiledStatement(sql, returns_rows, names, {}, tuple(None for _ in names), (), ())


UPDATE = _statement("UPDATE a SET x = $1 WHERE id = $2", ("x", "id"))
INSERT = _statement("INSERT INTO b (y) VALUES ($1) RETURNING id", ("y",), returns_rows=True)


def test_placeholders_are_renumbered_after_the_writes_before() -> None:
    sql, arguments = combined(
        [
            QueuedWrite("a", UPDATE, (1, "i1"), None),
            QueuedWrite("b", INSERT, ("y1",), None),
            QueuedWrite("a", UPDATE, (2, "i2"), None),
        ]
    )

    assert sql == (
        "WITH w0 AS (UPDATE a SET x = $1 WHERE id = $2 RETURNING 1), "
        "w1 AS (INSERT INTO b (y) VALUES ($3) RETURNING id), "
        "w2 AS (UPDATE a SET x = $4 WHERE id = $5 RETURNING 1) "
        "SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w1), (SELECT count(*) FROM w2)"
    )
    assert arguments == (1, "i1", "y1", 2, "i2")


def test_the_same_shape_again_takes_the_new_arguments() -> None:
    first = combined([QueuedWrite("a", UPDATE, (1, "i1"), None), QueuedWrite("b", INSERT, ("y1",), None)])
    second = combined([QueuedWrite("a", UPDATE, (7, "i7"), None), QueuedWrite("b", INSERT, ("y7",), None)])

    assert second[0] == first[0]
    assert second[1] == (7, "i7", "y7")


def test_another_order_is_another_statement() -> None:
    sql, _ = combined([QueuedWrite("b", INSERT, ("y1",), None), QueuedWrite("a", UPDATE, (1, "i1"), None)])

    assert sql.startswith(
        "WITH w0 AS (INSERT INTO b (y) VALUES ($1) RETURNING id), w1 AS (UPDATE a SET x = $2 WHERE id = $3"
    )
