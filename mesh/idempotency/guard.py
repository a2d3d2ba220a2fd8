"""Executes a request-id keyed RPC at most once, with Stripe semantics.

- same key, same request, finished → the first outcome is replayed, status included;
- same key, different request → INVALID_ARGUMENT, reason IDEMPOTENCY_KEY_REUSED;
- same key while the first still runs → ABORTED, reason REQUEST_IN_PROGRESS, with RetryInfo;
- fast path unreachable (Redis down) → UNAVAILABLE, reason IDEMPOTENCY_UNAVAILABLE, before
  anything is executed or written: money paths fail closed;
- only final outcomes are stored (outcome.TRANSIENT_CODES are released for a fresh retry);
  validation failures never get here (the validation interceptor runs first);
- an error that keeps its effects (DomainError(keep_effects=True), e.g. a declined card whose
  FAILED intent must be saved) commits those effects with the stored error in one transaction;
  the caller gets it from the stored outcome, so the first answer is the replay's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Awaitable, Callable

import grpc
from google.protobuf.message import Message
from google.rpc import status_pb2

from mesh import errors
from mesh.idempotency import durable
from mesh.idempotency.fast_path import Claim, ClaimState, FastPath, FastPathUnavailable
from mesh.idempotency.keys import IdempotencyKey, fingerprint
from mesh.idempotency.outcome import Outcome, is_final
from mesh.persistence import Database, is_unique_violation


@dataclasses.dataclass(frozen=True)
class IdempotencyPolicy:
    ttl: datetime.timedelta = datetime.timedelta(hours=24)
    lock_ttl: datetime.timedelta = datetime.timedelta(seconds=60)
    in_progress_retry_after: datetime.timedelta = datetime.timedelta(milliseconds=500)


class IdempotencyGuard:
    """Combines the fast path (claims) with the durable record (the guarantee)."""

    def __init__(self, fast_path: FastPath, database: Database, policy: IdempotencyPolicy,
                 clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)) -> None:
        self.fast_path = fast_path
        self._db = database
        self._policy = policy
        self._now = clock

    async def run(self, key: IdempotencyKey, request: Message, response_class: type,
                  execute: Callable[[], Awaitable[Message]]) -> Message:
        fp = fingerprint(request)
        claim = await self._claim(key, fp)
        if claim.state is ClaimState.COMPLETED:
            return _replay(claim.outcome, response_class)
        self._refuse_unless_acquired(claim)
        stored = await self._load(key)
        if stored is not None:
            return await self._replay_stored(key, fp, stored, response_class)
        return await self._execute_once(key, fp, response_class, execute)

    async def _claim(self, key: IdempotencyKey, fp: str) -> Claim:
        try:
            return await self.fast_path.claim(key, fp, self._policy.lock_ttl)
        except FastPathUnavailable as err:
            raise errors.DomainError(
                grpc.StatusCode.UNAVAILABLE, errors.common.IDEMPOTENCY_UNAVAILABLE,
                "the idempotency store is unavailable; nothing was executed, retry with the same request_id",
                retry_after=datetime.timedelta(seconds=1)).to_status_error() from err

    def _refuse_unless_acquired(self, claim: Claim) -> None:
        if claim.state is ClaimState.MISMATCH:
            raise _key_reused()
        if claim.state is ClaimState.IN_PROGRESS:
            raise errors.DomainError(
                grpc.StatusCode.ABORTED, errors.common.REQUEST_IN_PROGRESS,
                "a request with this request_id is still in progress; retry with the same request_id",
                retry_after=self._policy.in_progress_retry_after).to_status_error()

    async def _load(self, key: IdempotencyKey) -> Outcome | None:
        async with self._db.transaction() as conn:
            return await durable.load(conn, key, self._now())

    async def _replay_stored(self, key: IdempotencyKey, fp: str, stored: Outcome, response_class: type) -> Message:
        # The fast path had forgotten this key (flush, failover, expiry): the database remembers.
        if stored.fingerprint != fp:
            await self.fast_path.release(key, fp)
            raise _key_reused()
        await self.fast_path.complete(key, stored, self._policy.ttl)
        return _replay(stored, response_class)

    async def _execute_once(self, key: IdempotencyKey, fp: str, response_class: type,
                            execute: Callable[[], Awaitable[Message]]) -> Message:
        try:
            outcome = await self._execute_and_record(key, fp, execute)
        except asyncio.CancelledError:  # the transaction rolled back: free the key for a retry
            await self.fast_path.release(key, fp)
            raise
        except Exception as err:
            outcome = await self._after_failure(key, fp, err)
        await self.fast_path.complete(key, outcome, self._policy.ttl)
        return _replay(outcome, response_class)

    async def _execute_and_record(self, key: IdempotencyKey, fp: str,
                                  execute: Callable[[], Awaitable[Message]]) -> Outcome:
        async with self._db.transaction() as conn:
            try:
                response = await execute()
            except errors.StatusError as err:
                if not err.keeps_effects:
                    raise  # the transaction rolls back; _after_failure decides what is stored
                # Commit and fail: the effects stay, and the error is recorded beside them.
                outcome = _error_outcome(fp, err)
            else:
                outcome = Outcome(fp, 0, response=response.SerializeToString(deterministic=True))
            await durable.insert(conn, key, outcome, self._now(), self._policy.ttl)
        return outcome

    async def _after_failure(self, key: IdempotencyKey, fp: str, err: Exception) -> Outcome:
        """Our execution failed and rolled back. If another execution of this key committed
        meanwhile (the fast path lost the claim: flush, failover, lock expiry), its outcome is
        the answer; our failure was the collision with it. Otherwise store a final error, or
        release the key so a retry executes afresh."""
        winner = await self._load(key)
        if winner is not None:
            return self._same_request(winner, fp)
        if isinstance(err, errors.StatusError) and is_final(err.code):
            return await self._record_error(key, fp, err)
        await self.fast_path.release(key, fp)
        raise err

    async def _record_error(self, key: IdempotencyKey, fp: str, err: errors.StatusError) -> Outcome:
        outcome = _error_outcome(fp, err)
        try:
            async with self._db.transaction() as conn:
                await durable.insert(conn, key, outcome, self._now(), self._policy.ttl)
        except Exception as insert_err:
            winner = await self._load(key) if is_unique_violation(insert_err) else None
            if winner is None:
                raise
            return self._same_request(winner, fp)
        return outcome

    @staticmethod
    def _same_request(winner: Outcome, fp: str) -> Outcome:
        if winner.fingerprint != fp:
            raise _key_reused()
        return winner


def _error_outcome(fp: str, err: errors.StatusError) -> Outcome:
    return Outcome(fp, err.status.code, status=err.status.SerializeToString(deterministic=True))


def _replay(outcome: Outcome, response_class: type) -> Message:
    if outcome.status_code != 0:
        raise errors.StatusError(status_pb2.Status.FromString(outcome.status))
    return response_class.FromString(outcome.response)


def _key_reused() -> errors.StatusError:
    return errors.DomainError(
        grpc.StatusCode.INVALID_ARGUMENT, errors.common.IDEMPOTENCY_KEY_REUSED,
        "this request_id was already used with a different request; use a new request_id").to_status_error()
