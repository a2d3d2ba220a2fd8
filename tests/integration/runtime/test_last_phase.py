"""A guarded request's last phase (atomic_phase(..., last=True)) commits together with the
request's outcome, on SQLite and PostgreSQL: its writes are not visible until the handler has
answered and the outcome is stored; then both are. Whatever ends the handler after the block
keeps what the phase wrote, as a committed phase would have: a final error is stored as the
outcome, a transient one or a cancellation unlocks the key for a retry. An error inside the
block rolls the phase back. A phase begun after the last one records and commits it first. A
last phase whose key another execution took over meanwhile rolls back, whatever ends it."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.errors import Code, DomainError, common
from mesh.idempotency import (
    Fingerprinter,
    IdempotencyGuard,
    IdempotencyKey,
    IdempotencyPolicy,
    MemoryFastPath,
    atomic_phase,
    current_recovery_point,
    resumed,
)
from mesh.persistence import RUNTIME_MIGRATIONS, Database, batched_write, idempotency_records, migrate

metadata = sa.MetaData()
effects = sa.Table("test_last_phase_effects", metadata, sa.Column("id", sa.String(64), primary_key=True))
RESPONSE = ps.CreatePaymentIntentResponse


class Boom(Exception):
    pass


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    await migrate(database, RUNTIME_MIGRATIONS)
    async with database.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield database


@pytest.fixture
def guard(db: Database) -> IdempotencyGuard:
    return IdempotencyGuard(MemoryFastPath(), db, IdempotencyPolicy(), Fingerprinter(b"k" * 32))


def keyed() -> tuple[IdempotencyKey, ps.CreatePaymentIntentRequest]:
    request_id = str(uuid.uuid4())
    return IdempotencyKey("acme", "/test/Create", request_id), ps.CreatePaymentIntentRequest(request_id=request_id)


async def effect_ids(db: Database) -> set[str]:
    async with db.read() as conn:
        return set(await conn.scalars(sa.select(effects.c.id)))


async def record_of(db: Database, key: IdempotencyKey) -> sa.Row:
    async with db.read() as conn:
        found = await conn.execute(
            sa.select(idempotency_records).where(idempotency_records.c.request_id == key.request_id)
        )
        return found.one()


async def write(db: Database, effect: str, *, last: bool) -> None:
    async with atomic_phase(db, f"wrote_{effect}", last=last) as conn:
        await conn.execute(sa.insert(effects).values(id=effect))


async def seen_by_another_task(db: Database) -> set[str]:
    """What a reader outside this request's transaction sees (another task has no transaction)."""
    return await asyncio.create_task(effect_ids(db))


async def test_the_last_phase_commits_with_the_outcome(db: Database, guard: IdempotencyGuard) -> None:
    key, request = keyed()
    seen_before_answer: set[str] = set()

    async def handler() -> ps.CreatePaymentIntentResponse:
        await write(db, "a", last=True)
        seen_before_answer.update(await seen_by_another_task(db))
        return RESPONSE()

    await guard.run(key, request, RESPONSE, handler)

    assert seen_before_answer == set()  # not committed while the handler was still answering
    assert await effect_ids(db) == {"a"}
    record = await record_of(db, key)
    assert (record.recovery_point, record.status_code, record.owner) == ("finished", 0, None)


async def test_a_phase_after_the_last_one_commits_it_first(db: Database, guard: IdempotencyGuard) -> None:
    key, request = keyed()
    points: list[str | None] = []

    async def handler() -> ps.CreatePaymentIntentResponse:
        await write(db, "a", last=True)
        await write(db, "b", last=False)
        points.append(current_recovery_point())
        return RESPONSE()

    await guard.run(key, request, RESPONSE, handler)

    assert points == ["wrote_b"] and await effect_ids(db) == {"a", "b"}
    assert (await record_of(db, key)).recovery_point == "finished"


async def test_a_final_error_after_the_last_phase_is_stored_with_its_effects(
    db: Database, guard: IdempotencyGuard
) -> None:
    key, request = keyed()
    declined = DomainError(Code.NOT_FOUND, common.NOT_FOUND, "gone")
    executions = 0

    async def handler() -> ps.CreatePaymentIntentResponse:
        nonlocal executions
        executions += 1
        await write(db, "a", last=True)
        raise declined

    for _ in range(2):  # the second is a replay of the stored outcome
        with pytest.raises(DomainError) as raised:
            await guard.run(key, request, RESPONSE, handler)
        assert raised.value.code is Code.NOT_FOUND

    assert executions == 1 and await effect_ids(db) == {"a"}
    assert (await record_of(db, key)).status_code == Code.NOT_FOUND.value


async def test_a_transient_error_after_the_last_phase_keeps_its_effects_and_frees_the_key(
    db: Database, guard: IdempotencyGuard
) -> None:
    key, request = keyed()
    resumes: list[bool] = []

    async def handler() -> ps.CreatePaymentIntentResponse:
        resumes.append(resumed())
        if not resumes[0] or len(resumes) == 1:
            await write(db, f"a{len(resumes)}", last=True)
        if len(resumes) == 1:
            raise DomainError(Code.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE, "try again")
        return RESPONSE()

    with pytest.raises(DomainError):
        await guard.run(key, request, RESPONSE, handler)
    assert await effect_ids(db) == {"a1"}
    record = await record_of(db, key)
    assert (record.recovery_point, record.owner) == ("wrote_a1", None)  # unlocked, where it got to

    await guard.run(key, request, RESPONSE, handler)  # the retry resumes at once
    assert resumes == [False, True] and (await record_of(db, key)).recovery_point == "finished"


async def test_cancelled_after_the_last_phase_keeps_its_effects_and_frees_the_key(
    db: Database, guard: IdempotencyGuard
) -> None:
    key, request = keyed()
    after_block, never = asyncio.Event(), asyncio.Event()

    async def handler() -> ps.CreatePaymentIntentResponse:
        await write(db, "a", last=True)
        after_block.set()
        await never.wait()  # cancelled here, the last phase still open
        return RESPONSE()

    running = asyncio.create_task(guard.run(key, request, RESPONSE, handler))
    await after_block.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running

    assert await effect_ids(db) == {"a"}
    record = await record_of(db, key)
    assert record.owner is None and record.locked_until <= datetime.datetime.now(datetime.UTC)
    assert record.recovery_point == "wrote_a"  # the unlock recorded the phase it committed


async def test_an_error_inside_the_last_phase_rolls_it_back(db: Database, guard: IdempotencyGuard) -> None:
    key, request = keyed()

    async def handler() -> ps.CreatePaymentIntentResponse:
        async with atomic_phase(db, "half_done", last=True) as conn:
            await conn.execute(sa.insert(effects).values(id="half"))
            raise Boom

    with pytest.raises(Boom):
        await guard.run(key, request, RESPONSE, handler)

    assert await effect_ids(db) == set()
    assert (await record_of(db, key)).recovery_point == "started"


async def test_outside_a_guarded_request_a_last_phase_commits_as_it_ends(db: Database) -> None:
    await write(db, "plain", last=True)
    assert await seen_by_another_task(db) == {"plain"}


async def test_a_phase_after_the_last_one_first_records_the_last_ones_point(
    db: Database, guard: IdempotencyGuard
) -> None:
    key, request = keyed()
    seen_inside_second: list[str] = []

    async def handler() -> ps.CreatePaymentIntentResponse:
        await write(db, "a", last=True)
        async with atomic_phase(db, "wrote_b") as conn:
            seen_inside_second.append((await asyncio.create_task(record_of(db, key))).recovery_point)
            await conn.execute(sa.insert(effects).values(id="b"))
            raise Boom

    with pytest.raises(Boom):
        await guard.run(key, request, RESPONSE, handler)

    assert seen_inside_second == ["wrote_a"]  # committed with its point before the next phase began
    assert await effect_ids(db) == {"a"}
    assert (await record_of(db, key)).recovery_point == "wrote_a"


async def take_over(db: Database, key: IdempotencyKey) -> None:
    """Another execution takes the key over (its holder looked dead), between two phases."""
    async with db.transaction() as conn:
        await conn.execute(
            sa.update(idempotency_records)
            .where(idempotency_records.c.request_id == key.request_id)
            .values(owner="the-other-execution")
        )


@pytest.mark.parametrize("ending", ["answer", "transient error"])
async def test_a_last_phase_whose_key_was_taken_over_rolls_back(
    db: Database, guard: IdempotencyGuard, ending: str
) -> None:
    key, request = keyed()

    async def handler() -> ps.CreatePaymentIntentResponse:
        await asyncio.create_task(take_over(db, key))
        await write(db, "a", last=True)
        if ending == "transient error":
            raise DomainError(Code.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE, "try again")
        return RESPONSE()

    with pytest.raises(DomainError) as raised:
        await guard.run(key, request, RESPONSE, handler)

    expected = Code.ABORTED if ending == "answer" else Code.UNAVAILABLE
    assert raised.value.code is expected
    assert await effect_ids(db) == set()  # the other execution answers for the key
    record = await record_of(db, key)
    assert (record.owner, record.recovery_point, record.status_code) == ("the-other-execution", "started", None)


# Compiled once seen twice (mesh.persistence.compiled): only then is it batched on PostgreSQL.
RENAME = sa.update(effects).where(effects.c.id == sa.bindparam("p_id")).values(id=sa.bindparam("new_id"))


async def test_a_last_phase_whose_batched_check_fails_rolls_back_and_frees_the_key(
    db: Database, guard: IdempotencyGuard
) -> None:
    """On PostgreSQL the last phase's batched writes are sent with the outcome, at its COMMIT:
    a check that fails there rolls both back and frees the key, as a failure inside the block
    does (SQLite checks in the block)."""

    def refused(matched: int) -> None:
        raise Boom(f"the rename matched {matched} rows")

    for attempt in range(3):
        key, request = keyed()

        async def failing(attempt: int = attempt) -> ps.CreatePaymentIntentResponse:
            async with atomic_phase(db, "renamed", last=True) as conn:
                await batched_write(conn, sa.insert(effects), {"id": f"kept-{attempt}"})
                await batched_write(conn, RENAME, {"p_id": "nothing", "new_id": "x"}, check=refused)
            return RESPONSE()

        with pytest.raises(Boom, match="matched 0 rows"):
            await guard.run(key, request, RESPONSE, failing)

        assert await effect_ids(db) == {f"retried-{i}" for i in range(attempt)}  # no kept-{attempt}
        record = await record_of(db, key)
        assert (record.owner, record.recovery_point, record.status_code) == (None, "started", None)

        async def succeeding(attempt: int = attempt) -> ps.CreatePaymentIntentResponse:
            assert not resumed()  # nothing of the failed attempt committed
            await write(db, f"retried-{attempt}", last=True)
            return RESPONSE()

        assert await guard.run(key, request, RESPONSE, succeeding) == RESPONSE()
        assert await effect_ids(db) == {f"retried-{i}" for i in range(attempt + 1)}
