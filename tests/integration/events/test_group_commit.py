"""Group commit: works that queue up share a transaction, and each still gets its own outcome."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from mesh.events.group_commit import GroupCommit
from mesh.persistence import Database
from tests.fixtures.pubsub import WAIT_SECONDS

rows_metadata = sa.MetaData()
rows = sa.Table(
    "test_group_commit_rows",
    rows_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("label", sa.String(64), nullable=False),
)


@pytest.fixture
async def rows_database(database: Database) -> Database:
    async with database.engine.begin() as conn:
        await conn.run_sync(rows_metadata.create_all)
    return database


class Openings:
    """An opening step that counts the transactions and the tags each one got."""

    def __init__(self) -> None:
        self.tags: list[list[str]] = []

    async def __call__(self, conn, tags: list[str]) -> None:
        self.tags.append(list(tags))


def insert(label: str):
    async def work(conn, _opened) -> str:
        await conn.execute(sa.insert(rows).values(label=label))
        return label

    return work


def failing(label: str):
    async def work(conn, _opened) -> str:
        await conn.execute(sa.insert(rows).values(label=label))
        raise RuntimeError(f"{label} failed")

    return work


async def labels(database: Database) -> list[str]:
    async with database.transaction() as conn:
        return sorted((await conn.execute(sa.select(rows.c.label))).scalars())


async def hold_the_transaction(commit: GroupCommit) -> tuple[asyncio.Task, asyncio.Event]:
    """A first work that keeps its transaction open until released, so that others queue."""
    inside, release = asyncio.Event(), asyncio.Event()

    async def holding(conn, _opened) -> str:
        inside.set()
        await asyncio.wait_for(release.wait(), WAIT_SECONDS)
        return "first"

    first = asyncio.ensure_future(commit.run(holding, tag="first"))
    await asyncio.wait_for(inside.wait(), WAIT_SECONDS)
    return first, release


async def test_works_queued_behind_a_transaction_share_the_next_one(rows_database: Database) -> None:
    openings = Openings()
    commit = GroupCommit(rows_database, max_batch=32, concurrency=1, opening=openings)
    first, release = await hold_the_transaction(commit)
    queued = [asyncio.ensure_future(commit.run(insert(f"w{n}"), tag=f"w{n}")) for n in range(10)]
    await asyncio.sleep(0)  # one loop turn: they start in creation order and queue behind the first
    release.set()

    results = await asyncio.wait_for(asyncio.gather(first, *queued), WAIT_SECONDS)

    assert results == ["first"] + [f"w{n}" for n in range(10)]
    assert openings.tags == [["first"], [f"w{n}" for n in range(10)]]  # two transactions, not eleven
    assert await labels(rows_database) == sorted(f"w{n}" for n in range(10))


async def test_a_failing_work_fails_alone_and_the_others_commit_once(rows_database: Database) -> None:
    commit = GroupCommit(rows_database, max_batch=32, concurrency=1)
    first, release = await hold_the_transaction(commit)
    works = [insert("a"), failing("b"), insert("c")]
    queued = [asyncio.ensure_future(commit.run(work)) for work in works]
    await asyncio.sleep(0)  # one loop turn: they start in creation order and queue behind the first
    release.set()

    outcomes = await asyncio.wait_for(asyncio.gather(first, *queued, return_exceptions=True), WAIT_SECONDS)

    assert outcomes[0] == "first" and outcomes[1] == "a" and outcomes[3] == "c"
    assert isinstance(outcomes[2], RuntimeError) and str(outcomes[2]) == "b failed"
    assert await labels(rows_database) == ["a", "c"]  # b rolled back; a and c once, though they ran twice


async def test_a_batch_never_takes_more_than_max_batch_works(rows_database: Database) -> None:
    openings = Openings()
    commit = GroupCommit(rows_database, max_batch=4, concurrency=1, opening=openings)
    first, release = await hold_the_transaction(commit)
    queued = [asyncio.ensure_future(commit.run(insert(f"w{n}"), tag=n)) for n in range(10)]
    await asyncio.sleep(0)  # one loop turn: they start in creation order and queue behind the first
    release.set()

    await asyncio.wait_for(asyncio.gather(first, *queued), WAIT_SECONDS)

    assert [len(tags) for tags in openings.tags] == [1, 4, 4, 2]
    assert [tag for tags in openings.tags[1:] for tag in tags] == list(range(10))  # oldest first


async def test_many_works_on_several_transactions_at_once_all_finish(rows_database: Database) -> None:
    commit = GroupCommit(rows_database, max_batch=8, concurrency=3)

    done = await asyncio.wait_for(asyncio.gather(*(commit.run(insert(f"w{n}")) for n in range(200))), WAIT_SECONDS)

    assert len(done) == 200 and len(await labels(rows_database)) == 200


async def test_a_cancelled_callers_queued_work_never_runs(rows_database: Database) -> None:
    commit = GroupCommit(rows_database, max_batch=32, concurrency=1)
    first, release = await hold_the_transaction(commit)
    doomed = asyncio.ensure_future(commit.run(insert("doomed")))
    kept = asyncio.ensure_future(commit.run(insert("kept")))
    await asyncio.sleep(0)  # one loop turn: they start in creation order and queue behind the first
    doomed.cancel()
    release.set()

    await asyncio.wait_for(asyncio.gather(first, kept), WAIT_SECONDS)

    assert doomed.cancelled()
    assert await labels(rows_database) == ["kept"]
