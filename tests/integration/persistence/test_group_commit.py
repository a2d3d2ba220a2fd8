"""SQLite's write transactions that queue behind each other commit together
(mesh.persistence.sqlite_writer): each in a savepoint of its own, every member returning only
once the group's COMMIT has, a failed COMMIT failing them all."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import exc, insert, text

from mesh.persistence import Database, idempotency_records
from mesh.persistence.sqlite_writer import SqliteWriter
from tests.integration.persistence.records import record


@pytest.fixture
def outside(sqlite_path: pathlib.Path) -> Callable[[], set[str]]:
    """The request_ids committed, as another connection (a reader, another process) sees them."""

    def committed() -> set[str]:
        with sqlite3.connect(sqlite_path) as other:
            return {row[0] for row in other.execute("SELECT request_id FROM idempotency_records")}

    return committed


async def _queued_behind_a_holder(
    db: Database, *writers: Callable[[], Awaitable[None]]
) -> tuple[asyncio.Task[None], list[asyncio.Task[None]], asyncio.Event]:
    """A transaction holding the writer (it inserts "holder" when released) and `writers` queued behind it."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as conn:
            holding.set()
            await release.wait()
            await conn.execute(insert(idempotency_records), record(request_id="holder"))

    held = asyncio.create_task(holder())
    await holding.wait()
    queued = []
    for writer in writers:
        queued.append(asyncio.create_task(writer()))
        for _ in range(5):  # each queues in the order given
            await asyncio.sleep(0)
    return held, queued, release


async def test_transactions_queued_behind_each_other_commit_once_for_all(
    sqlite_db: Database, outside: Callable[[], set[str]]
) -> None:
    seen_inside: list[set[str]] = []

    async def second() -> None:
        async with sqlite_db.transaction() as conn:
            seen_inside.append(outside())  # the holder has ended, its COMMIT not yet run
            await conn.execute(insert(idempotency_records), record(request_id="second"))
        seen_inside.append(outside())  # back from the transaction: committed

    held, queued, release = await _queued_behind_a_holder(sqlite_db, second)
    release.set()
    await held
    assert outside() == {"holder", "second"}  # the holder returned once the group committed
    await asyncio.gather(*queued)
    assert seen_inside == [set(), {"holder", "second"}]


async def test_a_member_that_fails_undoes_its_own_writes_and_no_one_elses(
    sqlite_db: Database, outside: Callable[[], set[str]]
) -> None:
    async def failing() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="failing"))
            raise LookupError("the handler's own error")

    async def last() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="last"))

    held, queued, release = await _queued_behind_a_holder(sqlite_db, failing, last)
    release.set()
    outcomes = await asyncio.gather(held, *queued, return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [type(None), LookupError, type(None)]
    assert outside() == {"holder", "last"}


async def test_a_member_cancelled_inside_its_transaction_rolls_back_and_the_group_still_commits(
    sqlite_db: Database, outside: Callable[[], set[str]]
) -> None:
    wrote = asyncio.Event()

    async def cancelled() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="cancelled"))
            wrote.set()
            await asyncio.Event().wait()  # cancelled here, holding the writer

    async def waiting() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="waiting"))

    held, (victim, after), release = await _queued_behind_a_holder(sqlite_db, cancelled, waiting)
    release.set()
    await wrote.wait()
    victim.cancel()
    await asyncio.gather(held, after)
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert outside() == {"holder", "waiting"}


async def test_a_writer_cancelled_while_waiting_for_its_turn_leaves_the_queue_working(
    sqlite_db: Database, outside: Callable[[], set[str]]
) -> None:
    async def writes(request_id: str) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            async with sqlite_db.transaction() as conn:
                await conn.execute(insert(idempotency_records), record(request_id=request_id))

        return write

    held, (gone, kept), release = await _queued_behind_a_holder(sqlite_db, await writes("gone"), await writes("kept"))
    gone.cancel()
    release.set()
    await asyncio.gather(held, kept)
    assert gone.cancelled()
    assert outside() == {"holder", "kept"}


async def test_a_commit_that_fails_fails_every_member_and_keeps_none_of_their_writes(
    sqlite_db: Database, outside: Callable[[], set[str]]
) -> None:
    # A deferred foreign key is checked at COMMIT: the holder's dangling row fails the group's.
    async with sqlite_db.transaction() as conn:
        await conn.execute(text("CREATE TABLE parents (id TEXT PRIMARY KEY)"))
        await conn.execute(
            text(
                "CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT "
                "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    holding, release = asyncio.Event(), asyncio.Event()

    async def dangling() -> None:
        async with sqlite_db.transaction() as conn:
            holding.set()
            await release.wait()
            await conn.execute(text("INSERT INTO children VALUES ('orphan', 'no such parent')"))
            await conn.execute(insert(idempotency_records), record(request_id="dangling"))

    async def innocent() -> None:
        async with sqlite_db.transaction() as conn:
            await conn.execute(insert(idempotency_records), record(request_id="innocent"))

    first = asyncio.create_task(dangling())
    await holding.wait()
    second = asyncio.create_task(innocent())
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    assert all(isinstance(outcome, exc.IntegrityError) for outcome in outcomes), outcomes
    assert outside() == set()
    async with sqlite_db.transaction() as conn:  # the writer is free and works
        await conn.execute(insert(idempotency_records), record(request_id="after"))
    assert outside() == {"after"}


async def test_a_writer_arriving_while_the_writer_is_free_takes_it_before_the_woken_waiter(sqlite_db: Database) -> None:
    # Handed to the first waiter, the writer would stay taken until that waiter's next loop
    # turn and every writer arriving meanwhile would queue: a convoy of one transaction a turn.
    writer = SqliteWriter(sqlite_db.engine, busy_timeout_ms=30_000)
    entered: list[str] = []
    holding, release = asyncio.Event(), asyncio.Event()
    arrivals: list[asyncio.Task[None]] = []

    async def member(name: str) -> None:
        async with writer.transaction() as turn:
            entered.append(name)
            await turn.connection.execute(insert(idempotency_records), record(request_id=name))
            if name == "holder":
                holding.set()
                await release.wait()
                arrivals.append(asyncio.create_task(member("arriving")))  # runs once the holder has ended

    holder = asyncio.create_task(member("holder"))
    await holding.wait()
    waiter = asyncio.create_task(member("waiter"))
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, waiter)
    await asyncio.gather(*arrivals)
    assert entered == ["holder", "arriving", "waiter"]
