"""The Redis fast path: one atomic Lua script claims a key or reports what it holds.

Money paths fail closed when Redis is down, so "down" must mean down, not "this process is
slow". A busy event loop delays every reply by however long the loop takes to come back to it;
with the old 0.5 s timeouts (and redis-py's pool of 100 connections, which refuses the 101st
concurrent command outright) healthy calls failed under load. So:
- concurrency is bounded by our own turns, one per pooled connection (`RedisLimits`): a claim
  waits for its turn as long as its call lives (or `turn_wait_seconds`, if set: running out of
  it is "we are slow", which fails that call and never counts against Redis);
- a command on an established connection gets a generous `timeout_seconds`, and so does
  connecting (`connect_timeout_seconds`): on a busy loop a healthy connect takes as long as
  any reply, a killed Redis refuses at once, and the circuit cuts short a black-holed one;
- "down" is decided by Redis failing: connection errors, timeouts, error replies. Each fails
  its call, and `failures_to_open` in a row open a small circuit: for `open_seconds` every
  call fails at once without touching Redis, then calls go through again, the first success
  closing it and a failure reopening it;
- redis-py's own retries are off: a retried claim whose first attempt did run would find its
  own marker and answer REQUEST_IN_PROGRESS, and hidden retries multiply the wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from mesh.idempotency.fast_path import Claim, ClaimState, FastPathUnavailable, claim_from_value, running_marker
from mesh.idempotency.keys import IdempotencyKey
from mesh.idempotency.outcome import Outcome

log = logging.getLogger(__name__)

T = TypeVar("T")

# GET-or-SET-NX in one step: returns the existing value, or nil after claiming the key.
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
# Delete only our own running marker: never a completed outcome, never another request's claim.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

COMMAND_TIMEOUT_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class RedisLimits:
    """How many commands run at once, how long to wait for a turn and to connect, and when a
    run of failures means Redis is down."""

    max_connections: int = 64  # a claim takes well under a millisecond in Redis: 64 carry thousands
    # None: a claim waits for its turn as long as its call lives. The caller's deadline and the
    # shedding layer's cap on concurrent calls bound that; a Redis that stops answering opens
    # the circuit, which every waiter checks when its turn comes.
    turn_wait_seconds: float | None = None
    connect_timeout_seconds: float = 5.0
    failures_to_open: int = 5
    open_seconds: float = 2.0


class _Circuit:
    """Counts consecutive Redis failures; open after `failures_to_open` of them, for `open_seconds`."""

    def __init__(self, limits: RedisLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0

    def refuse_if_open(self) -> None:
        remaining = self._open_until - self._clock()
        if remaining > 0:
            raise FastPathUnavailable(
                f"Redis failed {self._failures} times in a row; not trying again for {remaining:.1f} s"
            )

    def succeeded(self) -> None:
        self._failures = 0

    def failed(self) -> None:
        self._failures += 1
        if self._failures >= self._limits.failures_to_open:  # half-open: one more failure reopens
            self._open_until = self._clock() + self._limits.open_seconds


class RedisFastPath:
    """Claims, completions and releases in Redis under `prefix`."""

    def __init__(self, client: redis.Redis, prefix: str, *, limits: RedisLimits = RedisLimits()) -> None:
        self._client = client
        self._prefix = prefix
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        self._limits = limits
        self._turns = asyncio.Semaphore(limits.max_connections)
        self._circuit = _Circuit(limits)

    @classmethod
    def from_url(
        cls,
        url: str,
        prefix: str,
        *,
        timeout_seconds: float = COMMAND_TIMEOUT_SECONDS,
        limits: RedisLimits = RedisLimits(),
    ) -> RedisFastPath:
        """`timeout_seconds`: how long one command may take on an established connection."""
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=limits.max_connections,
            timeout=None,  # our turns bound the wait
            socket_timeout=timeout_seconds,
            socket_connect_timeout=limits.connect_timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(redis.Redis.from_pool(pool), prefix, limits=limits)

    async def claim(self, key: IdempotencyKey, fingerprint: str, lock_ttl: datetime.timedelta) -> Claim:
        held = await self._run(
            lambda: self._claim(
                keys=[key.redis_key(self._prefix)], args=[running_marker(fingerprint), _millis(lock_ttl)]
            )
        )
        return Claim(ClaimState.ACQUIRED) if held is None else claim_from_value(held, fingerprint)

    async def complete(self, key: IdempotencyKey, outcome: Outcome, ttl: datetime.timedelta) -> None:
        try:
            # SET through execute_command: redis-py's set() inspects its arguments on every call
            # for deprecated options, which cost more CPU than sending the command.
            await self._run(
                lambda: self._client.execute_command(  # type: ignore[no-untyped-call]  # untyped in redis-py
                    "SET", key.redis_key(self._prefix), outcome.to_json(), "PX", _millis(ttl)
                )
            )
        except FastPathUnavailable:
            # The outcome is already durable in the database; the next replay reads it from there.
            log.warning("idempotency: could not cache outcome in Redis", exc_info=True)

    async def release(self, key: IdempotencyKey, fingerprint: str) -> None:
        try:
            await self._run(
                lambda: self._release(keys=[key.redis_key(self._prefix)], args=[running_marker(fingerprint)])
            )
        except FastPathUnavailable:
            log.warning("idempotency: could not release key; it expires with its lock TTL", exc_info=True)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _run(self, command: Callable[[], Awaitable[T]]) -> T:
        """One command in its turn; FastPathUnavailable when Redis is down or no turn came."""
        self._circuit.refuse_if_open()
        await self._take_turn()
        try:
            self._circuit.refuse_if_open()  # it may have opened while we waited
            result = await command()
        except RedisError as err:
            self._circuit.failed()
            raise FastPathUnavailable(str(err)) from err
        finally:
            self._turns.release()
        self._circuit.succeeded()
        return result

    async def _take_turn(self) -> None:
        try:
            async with asyncio.timeout(self._limits.turn_wait_seconds):
                await self._turns.acquire()
        except TimeoutError:
            raise FastPathUnavailable(
                f"no Redis connection free within {self._limits.turn_wait_seconds} s; this process is overloaded"
            ) from None


def _millis(delta: datetime.timedelta) -> int:
    return max(1, int(delta.total_seconds() * 1000))
