"""Executes a request-id keyed RPC at most once, with Stripe semantics, in atomic phases.

- same key, same request, finished → the first outcome is replayed, status included;
- same key, different request → INVALID_ARGUMENT, reason IDEMPOTENCY_KEY_REUSED;
- same key while the first still runs → ABORTED, reason REQUEST_IN_PROGRESS, with RetryInfo;
- same key after its holder died → taken over once the lock TTL has passed, and resumed from
  the last recovery point the holder committed (see phases.py);
- fast path unreachable (Redis down) → UNAVAILABLE, reason IDEMPOTENCY_UNAVAILABLE, before
  anything is executed or written: money paths fail closed;
- only final outcomes are stored (outcome.TRANSIENT_CODES unlock the key instead, so a retry with
  the same request_id resumes at once); validation failures never get here (the validation
  interceptor runs first);
- an error that keeps its effects (DomainError(keep_effects=True), e.g. a declined card whose
  FAILED intent must be saved) is committed by its phase and stored as the outcome.

The order of writes: the durable record is claimed and committed before the handler runs; the
handler's phases advance it; the outcome is stored in one last short transaction, or in the
handler's last phase when it marked one (phases.py). No transaction is open while the handler
calls out.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from google.protobuf.message import Message
from google.rpc import status_pb2
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh import errors
from mesh.idempotency import durable
from mesh.idempotency.fast_path import Claim, ClaimState, FastPath, FastPathUnavailable
from mesh.idempotency.keys import Fingerprinter, IdempotencyKey
from mesh.idempotency.outcome import Outcome, is_final
from mesh.idempotency.phases import Execution, LockLost, running
from mesh.idempotency.policy import IdempotencyPolicy
from mesh.persistence import Database


class IdempotencyGuard:
    """Combines the fast path (claims, cheap replays) with the durable record (the guarantee)."""

    def __init__(
        self,
        fast_path: FastPath,
        database: Database,
        policy: IdempotencyPolicy,
        fingerprinter: Fingerprinter,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.fast_path = fast_path
        self._db = database
        self._policy = policy
        self._fingerprint = fingerprinter
        self._now = clock

    async def run(
        self,
        key: IdempotencyKey,
        request: Message,
        response_class: type[Message],
        execute: Callable[[], Awaitable[Message]],
    ) -> Message:
        fp = self._fingerprint(request)
        claim = await self._claim_fast(key, fp)
        if claim.state is ClaimState.COMPLETED:
            return _replay(_completed(claim.outcome), response_class)
        self._refuse_unless_acquired(claim.state)
        lease = durable.Lease(key, str(uuid.uuid4()), self._policy.lock_ttl, self._policy.ttl)
        try:
            claimed = await self._claim_durable(lease, fp)
        except BaseException:
            await self.fast_path.release(key, fp)
            raise
        if claimed.held is durable.Held.COMPLETED:
            # The fast path had forgotten this key (flush, failover, expiry): the database remembers.
            outcome = _completed(claimed.outcome)
            await self.fast_path.complete(key, outcome, self._policy.ttl)
            return _replay(outcome, response_class)
        if claimed.held is not durable.Held.NEW and claimed.held is not durable.Held.RESUMED:
            await self.fast_path.release(key, fp)
            self._refuse_unless_acquired(_FAST_STATE[claimed.held])
        execution = Execution(self._db, lease, claimed.recovery_point, self._now)
        return await self._execute(execution, fp, response_class, execute)

    async def _claim_fast(self, key: IdempotencyKey, fp: str) -> Claim:
        try:
            return await self.fast_path.claim(key, fp, self._policy.lock_ttl)
        except FastPathUnavailable as err:
            raise errors.DomainError(
                errors.Code.UNAVAILABLE,
                errors.common.IDEMPOTENCY_UNAVAILABLE,
                "the idempotency store is unavailable; nothing was executed, retry with the same request_id",
                retry_after=datetime.timedelta(seconds=1),
            ) from err

    async def _claim_durable(self, lease: durable.Lease, fp: str) -> durable.Claimed:
        # The common case, a fresh key, is one self-committing INSERT; an existing row is read
        # and decided on under its lock in a transaction.
        async with self._db.statement() as conn:
            if await durable.insert_new(conn, lease, fp, self._now()):
                return durable.Claimed(durable.Held.NEW)
        async with self._db.transaction() as conn:
            return await durable.claim(conn, lease, fp, self._now())

    def _refuse_unless_acquired(self, state: ClaimState) -> None:
        if state is ClaimState.MISMATCH:
            raise _key_reused()
        if state is ClaimState.IN_PROGRESS:
            raise self._in_progress()

    def _in_progress(self) -> errors.DomainError:
        return errors.DomainError(
            errors.Code.ABORTED,
            errors.common.REQUEST_IN_PROGRESS,
            "a request with this request_id is still in progress; retry with the same request_id",
            retry_after=self._policy.in_progress_retry_after,
        )

    async def _execute(
        self, execution: Execution, fp: str, response_class: type[Message], execute: Callable[[], Awaitable[Message]]
    ) -> Message:
        try:
            with running(execution):
                outcome = Outcome(fp, 0, response=(await execute()).SerializeToString(deterministic=True))
        except errors.DomainError as err:
            if not is_final(err.code):
                await self._give_up(execution, fp)
                raise
            status = err.status
            outcome = Outcome(fp, status.code, status=status.SerializeToString(deterministic=True))
        except LockLost:
            # No last phase is open: LockLost ends a phase, and a phase first commits the last one.
            raise self._in_progress() from None  # the execution that took over answers for the key
        except BaseException:
            await asyncio.shield(self._give_up(execution, fp))  # cancelled or crashed: resume on retry
            raise
        await self._finish(execution, outcome)
        return _replay(outcome, response_class)

    async def _finish(self, execution: Execution, outcome: Outcome) -> None:
        try:
            async with self._record_statement(execution) as conn:
                await durable.finish(conn, execution.lease, outcome, self._now())
        except LockLost:
            raise self._in_progress() from None  # the execution that took over answers for the key
        except BaseException:
            # The outcome did not commit, nor did a last phase with it (a batched write's check
            # failed, the connection was lost): free the key for a retry from the point committed.
            await asyncio.shield(self._give_up(execution, outcome.fingerprint))
            raise
        await self.fast_path.complete(execution.lease.key, outcome, self._policy.ttl)

    async def _give_up(self, execution: Execution, fp: str) -> None:
        """Unlock the record at the recovery point reached and free the fast path for a retry. In
        a last phase the unlock records that phase; if the key was taken over, it rolls back."""
        with contextlib.suppress(LockLost):
            async with self._record_statement(execution) as conn:
                await durable.unlock(conn, execution.lease, execution.recovery_point, self._now())
        await self.fast_path.release(execution.lease.key, fp)

    @contextlib.asynccontextmanager
    async def _record_statement(self, execution: Execution) -> AsyncIterator[AsyncConnection]:
        """Where the record's last write goes: into the last phase's transaction when the handler
        left one open, committed with it (rolled back with it if the write fails); else a
        statement of its own. Named, not joined by task: a cancelled request gives up from a
        shielded task of its own."""
        conn = execution.last_phase
        if conn is None:
            async with self._db.statement() as own:
                yield own
            return
        try:
            yield conn
        except BaseException as err:
            await execution.roll_back_last_phase(err)
            raise
        await execution.commit_last_phase()


_FAST_STATE = {durable.Held.IN_PROGRESS: ClaimState.IN_PROGRESS, durable.Held.MISMATCH: ClaimState.MISMATCH}


def _completed(outcome: Outcome | None) -> Outcome:
    """The outcome of a completed claim: the fast path and the durable record always give one."""
    if outcome is None:
        raise RuntimeError("a completed idempotency claim without its outcome")
    return outcome


def _replay(outcome: Outcome, response_class: type[Message]) -> Message:
    if outcome.status_code != 0:
        raise errors.DomainError.from_status(status_pb2.Status.FromString(_stored(outcome.status)))
    return response_class.FromString(_stored(outcome.response))


def _stored(data: bytes | None) -> bytes:
    """An outcome's status (code != 0) or response (code 0): stored with it, never None."""
    if data is None:
        raise RuntimeError("an idempotency outcome without its status or response")
    return data


def _key_reused() -> errors.DomainError:
    return errors.DomainError(
        errors.Code.INVALID_ARGUMENT,
        errors.common.IDEMPOTENCY_KEY_REUSED,
        "this request_id was already used with a different request; use a new request_id",
    )
