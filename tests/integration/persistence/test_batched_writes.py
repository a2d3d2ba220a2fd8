"""Batched writes (mesh.persistence.batched_write): on PostgreSQL a transaction's consecutive
writes go to the server as one statement, when it next executes anything or commits; anywhere
else they run at once. Either way each write is checked on the rows it matched, a failed check
rolls back every write of its transaction, and every statement sees the writes made before it.
Statements compile on their second execution (mesh.persistence.compiled), so each test runs its
transaction a few times and holds the later ones to the point."""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from mesh.persistence import Database, batched_write, is_unique_violation

metadata = sa.MetaData()
accounts = sa.Table(
    "batched_accounts",
    metadata,
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("balance", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
entries = sa.Table(
    "batched_entries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account", sa.String(20), nullable=False),
    sa.Column("amount", sa.Integer, nullable=False),
)
notes = sa.Table(
    "batched_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("text", sa.String(40), nullable=False),
)
# Fenced on the version read, as a state change is.
MOVE = (
    sa.update(accounts)
    .where(accounts.c.id == sa.bindparam("p_id"), accounts.c.version == sa.bindparam("p_version"))
    .values(balance=accounts.c.balance + sa.bindparam("by"), version=accounts.c.version + 1)
    .returning(accounts.c.id)
)
FORGET = sa.delete(notes).where(notes.c.text == sa.bindparam("p_text"))
ENTRY = sa.insert(entries)
ENTRIES_OF = sa.select(sa.func.count()).select_from(entries).where(entries.c.account == sa.bindparam("p_account"))
BALANCE = sa.select(accounts.c.balance, accounts.c.version).where(accounts.c.id == sa.bindparam("p_id"))
WARM = 3  # transactions: the first sends its statements through the engine, the later ones compiled


class Refused(Exception):
    pass


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(sa.insert(accounts), [{"id": f"a{i}", "balance": 0, "version": 0} for i in range(WARM)])
    yield database


async def balance_of(db: Database, account: str) -> tuple[int, int]:
    async with db.read() as conn:
        row = (await conn.execute(BALANCE, {"p_id": account})).one()
    return row.balance, row.version


async def entries_of(db: Database, account: str) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(ENTRIES_OF, {"p_account": account}))


def exactly(rows: int, seen: list[int]) -> Callable[[int], None]:
    def check(matched: int) -> None:
        seen.append(matched)
        if matched != rows:
            raise Refused(f"matched {matched} rows, not {rows}")

    return check


async def post(db: Database, account: str, entry: str, *, version: int = 0, seen: list[int] | None = None) -> None:
    """A state change fenced on its version, its entry, and a delete that finds nothing: one batch."""
    seen = [] if seen is None else seen
    async with db.transaction() as conn:
        await batched_write(conn, MOVE, {"p_id": account, "p_version": version, "by": 10}, check=exactly(1, seen))
        await batched_write(conn, ENTRY, {"id": entry, "account": account, "amount": 10}, check=exactly(1, seen))
        await batched_write(conn, FORGET, {"p_text": "nothing of the kind"}, check=exactly(0, seen))


@pytest.fixture
def driver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """asyncpg's statement calls, counted: each is a round trip to the server."""
    calls: collections.Counter[str] = collections.Counter()
    for name in ("execute", "fetch", "fetchrow"):
        original: Callable[..., Awaitable[object]] = getattr(asyncpg.Connection, name)

        def counted(self: asyncpg.Connection, *args: object, _original=original, _name=name, **kwargs: object):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, name, counted)
    yield calls


async def test_batched_writes_commit_together_and_each_is_checked_on_the_rows_it_matched(db: Database) -> None:
    for i in range(WARM):
        seen: list[int] = []
        await post(db, f"a{i}", f"e{i}", seen=seen)
        assert seen == [1, 1, 0]
        assert await balance_of(db, f"a{i}") == (10, 1)
        assert await entries_of(db, f"a{i}") == 1


async def test_on_postgresql_a_transactions_writes_are_one_round_trip_between_begin_and_commit(
    db: Database, driver_calls: collections.Counter[str]
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite's statements are calls on the loop's thread, not round trips")
    await post(db, "a0", "e0")
    # A statement's first sighting goes through the engine (its own prepared statements): only
    # BEGIN and COMMIT are asyncpg's calls.
    assert driver_calls == {"execute": 2}
    for i in range(1, WARM - 1):
        await post(db, f"a{i}", f"e{i}")
    driver_calls.clear()

    await post(db, f"a{WARM - 1}", "last")

    # BEGIN, the three writes as one statement, COMMIT.
    assert driver_calls == {"execute": 2, "fetchrow": 1}
    assert await balance_of(db, f"a{WARM - 1}") == (10, 1)


async def test_a_failed_check_rolls_back_every_write_of_the_transaction(db: Database) -> None:
    for i in range(WARM):
        with pytest.raises(Refused, match="matched 0 rows, not 1"):
            await post(db, f"a{i}", f"e{i}", version=7)  # the account is at version 0: the fence fails

        assert await balance_of(db, f"a{i}") == (0, 0)
        assert await entries_of(db, f"a{i}") == 0


async def test_a_transaction_whose_check_failed_cannot_commit_even_if_the_failure_is_caught(db: Database) -> None:
    for i in range(WARM):
        with pytest.raises(RuntimeError, match="can only roll back"):
            async with db.transaction() as conn:
                with pytest.raises(Refused):
                    await batched_write(conn, ENTRY, {"id": f"e{i}", "account": f"a{i}", "amount": 10})
                    await batched_write(conn, MOVE, {"p_id": f"a{i}", "p_version": 7, "by": 10}, check=exactly(1, []))
                    await conn.execute(BALANCE, {"p_id": f"a{i}"})  # on PostgreSQL, sends the batch
                # Swallowing the failure commits nothing: the entry went with the failed fence.

        assert await entries_of(db, f"a{i}") == 0


async def test_every_statement_sees_the_writes_queued_before_it(db: Database) -> None:
    for i in range(WARM):
        async with db.transaction() as conn:
            await batched_write(conn, MOVE, {"p_id": f"a{i}", "p_version": 0, "by": 10}, check=exactly(1, []))
            await batched_write(conn, ENTRY, {"id": f"e{i}", "account": f"a{i}", "amount": 10})
            assert (await conn.execute(BALANCE, {"p_id": f"a{i}"})).one() == (10, 1)
            assert await conn.scalar(ENTRIES_OF, {"p_account": f"a{i}"}) == 1


async def test_a_second_write_to_a_table_sees_the_first(db: Database) -> None:
    """Two changes of one row, the second fenced on the version the first wrote: the CTEs of one
    statement share its snapshot, so the second must not go in the first one's batch."""
    for i in range(WARM):
        seen: list[int] = []
        async with db.transaction() as conn:
            for version in (0, 1, 2):
                await batched_write(
                    conn, MOVE, {"p_id": f"a{i}", "p_version": version, "by": 10}, check=exactly(1, seen)
                )
        assert seen == [1, 1, 1]
        assert await balance_of(db, f"a{i}") == (30, 3)


async def test_a_unique_violation_in_a_batch_is_the_engines_error_and_commits_nothing(db: Database) -> None:
    for i in range(WARM):
        async with db.transaction() as conn:
            await conn.execute(ENTRY, {"id": f"taken{i}", "account": "other", "amount": 1})
        with pytest.raises(exc.IntegrityError) as raised:
            async with db.transaction() as conn:
                await batched_write(conn, MOVE, {"p_id": f"a{i}", "p_version": 0, "by": 10}, check=exactly(1, []))
                await batched_write(conn, ENTRY, {"id": f"taken{i}", "account": f"a{i}", "amount": 10})

        assert is_unique_violation(raised.value)
        assert await balance_of(db, f"a{i}") == (0, 0)


async def test_outside_a_transaction_a_batched_write_runs_and_is_checked_at_once(db: Database) -> None:
    for i in range(WARM):
        seen: list[int] = []
        with pytest.raises(Refused):
            async with db.statement() as conn:
                await batched_write(conn, MOVE, {"p_id": f"a{i}", "p_version": 7, "by": 10}, check=exactly(1, seen))
                seen.append(-1)  # not reached: the check ran in the call
        async with db.statement() as conn:
            await batched_write(conn, MOVE, {"p_id": f"a{i}", "p_version": 0, "by": 10}, check=exactly(1, seen))
            assert seen == [0, 1]
        assert await balance_of(db, f"a{i}") == (10, 1)


async def test_a_connection_method_other_than_execute_refuses_to_run_past_unsent_writes(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("only PostgreSQL queues writes")
    for i in range(WARM):
        await post(db, f"a{i}", f"warm{i}")
    with pytest.raises(RuntimeError, match="batched writes not sent"):
        async with db.transaction() as conn:
            await batched_write(conn, MOVE, {"p_id": "a0", "p_version": 1, "by": 10})
            await conn.run_sync(lambda sync: None)
    assert await balance_of(db, "a0") == (10, 1)
