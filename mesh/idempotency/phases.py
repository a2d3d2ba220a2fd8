"""Atomic phases: a request that calls out runs as short local transactions, never one long one.

    async with atomic_phase(db, "authorization_started") as conn:
        ...  # local writes only; commit records the recovery point
    result = await psp.authorize(...)  # the foreign call, between transactions, with its own key
    async with atomic_phase(db, "authorization_recorded") as conn:
        ...  # record what the PSP said

Inside a request guarded by an idempotency key, each phase's commit also advances the key's
durable record to `recovery_point` and renews its lock, in the same transaction as the phase's
own writes: the record and the state never disagree. A retry of the key after a crash resumes
(`current_recovery_point()` says where the last holder got to; the resource's own committed
state says the same). A phase that finds the key taken over by another execution fails with
ABORTED and commits nothing. Outside a guarded request (workers, consumers, reads) a phase is a
plain transaction.

No network call may happen inside a phase: a PSP's 300 ms would hold a pooled connection,
row locks and SQLite's single writer. An error that keeps its effects (a DomainError with
keep_effects) commits the phase before it propagates.

The last phase of a guarded request (`last=True`) commits together with the request's outcome:
its transaction stays open after the block, the guard writes the outcome in it when the
handler returns (or raises), and one COMMIT makes both durable, so no crash can leave the
phase's effects committed without the answer, and the request costs one commit less. That
write also stands for the phase's own advance: the outcome (or the unlock, which records the
phase's recovery point) is fenced on the owner like an advance, and the phase rolls back when
it finds the key taken over, so the record is written once, not twice. After its block the
handler may only work out its answer: no foreign call, since the transaction (and on SQLite the
writer) is still held. A phase begun after it advances and commits it first, as a phase of its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime
from collections.abc import AsyncIterator, Callable, Iterator

from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.errors import DomainError
from mesh.idempotency import durable
from mesh.idempotency.durable import LockLost
from mesh.persistence import Database

__all__ = ["Execution", "LockLost", "atomic_phase", "current_recovery_point", "resumed"]


@dataclasses.dataclass
class Execution:
    """The guarded execution running in this context: its durable lease and recovery point."""

    database: Database
    lease: durable.Lease
    # The last phase it reached: committed, or (a last phase) to be committed with the outcome.
    recovery_point: str
    now: Callable[[], datetime.datetime]
    resumed_from: str = dataclasses.field(init=False)  # the recovery point it took the key over at
    # The last phase's transaction and its connection, open until the guard has written the
    # outcome in it.
    _last: tuple[contextlib.AsyncExitStack, AsyncConnection] | None = dataclasses.field(default=None, init=False)
    _before_last: str = dataclasses.field(default="", init=False)  # the point to go back to if it rolls back

    def __post_init__(self) -> None:
        self.resumed_from = self.recovery_point

    @property
    def last_phase(self) -> AsyncConnection | None:
        """The connection of the last phase's transaction while it is open, else None."""
        return None if self._last is None else self._last[1]

    async def commit_last_phase(self) -> None:
        """Commit the last phase's transaction, in which the guard has written the record (the
        outcome, or the unlock at `recovery_point`)."""
        last, self._last = self._last, None
        if last is not None:
            try:
                await last[0].aclose()  # sends its batched writes first: a failed check rolls it back
            except BaseException:
                self.recovery_point = self._before_last
                raise

    async def roll_back_last_phase(self, error: BaseException) -> None:
        last, self._last = self._last, None
        if last is not None:
            self.recovery_point = self._before_last
            await last[0].__aexit__(type(error), error, error.__traceback__)

    async def _advance_and_commit_last_phase(self) -> None:
        """For a phase begun after the last one: that one commits as a phase of its own."""
        conn = self.last_phase
        if conn is None:
            return
        try:
            await _advance(conn, self, self.recovery_point)
        except BaseException as err:
            await self.roll_back_last_phase(err)
            raise
        await self.commit_last_phase()


_current: contextvars.ContextVar[Execution | None] = contextvars.ContextVar("mesh_execution", default=None)


def current_recovery_point() -> str | None:
    """Where the guarded execution in this context is: "started" for a fresh one, the last
    committed phase for a resumed one; None outside a guarded request."""
    execution = _current.get()
    return None if execution is None else execution.recovery_point


def resumed() -> bool:
    """Whether the guarded execution in this context took over a request_id whose earlier holder
    committed a phase: what that phase wrote may be there already (an answer lost after a commit,
    a crash between phases). Stays the same while the execution commits phases of its own; False
    outside a guarded request."""
    execution = _current.get()
    return execution is not None and execution.resumed_from != durable.STARTED


@contextlib.asynccontextmanager
async def atomic_phase(
    database: Database, recovery_point: str, *, last: bool = False
) -> AsyncIterator[AsyncConnection]:
    """One short transaction; on commit the guarded execution is at `recovery_point`. `last`: the
    request's last phase, committed with its outcome (see the module's docstring)."""
    execution = _current.get()
    if execution is not None:
        await execution._advance_and_commit_last_phase()  # a phase after the last one: it commits first
    guarded = execution if execution is not None and execution.database is database else None
    transaction = contextlib.AsyncExitStack()
    conn = await transaction.enter_async_context(database.transaction())
    kept: BaseException | None = None
    try:
        try:
            yield conn
        except Exception as err:
            if not _keeps_effects(err):
                raise
            kept = err  # leave the block normally so the phase commits, then raise it
        if guarded is not None and not last:
            await _advance(conn, guarded, recovery_point)
    except BaseException as err:
        await transaction.__aexit__(type(err), err, err.__traceback__)  # rolled back
        raise
    if last and guarded is not None:
        guarded._last = (transaction, conn)  # the guard's write records it and commits it
        guarded._before_last, guarded.recovery_point = guarded.recovery_point, recovery_point
    else:
        await transaction.aclose()
    if kept is not None:
        raise kept


@contextlib.contextmanager
def running(execution: Execution) -> Iterator[Execution]:
    """Bind `execution` for the handler's phases (the guard's side of this module)."""
    token = _current.set(execution)
    try:
        yield execution
    finally:
        _current.reset(token)


async def _advance(conn: AsyncConnection, execution: Execution, point: str) -> None:
    # Batched with the phase's writes: a LockLost comes when they are sent, before COMMIT.
    await durable.advance(conn, execution.lease, point, execution.now())
    execution.recovery_point = point


def _keeps_effects(err: Exception) -> bool:
    return isinstance(err, DomainError) and err.keep_effects
