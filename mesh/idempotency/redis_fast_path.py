"""The Redis fast path: one atomic Lua script claims a key or reports what it holds."""

from __future__ import annotations

import datetime
import logging

import redis.asyncio as redis
from redis.exceptions import RedisError

from mesh.idempotency.fast_path import Claim, ClaimState, FastPathUnavailable, claim_from_value, running_marker
from mesh.idempotency.keys import IdempotencyKey
from mesh.idempotency.outcome import Outcome

log = logging.getLogger(__name__)

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


class RedisFastPath:
    """Claims, completions and releases in Redis under `prefix`."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, prefix: str, *, timeout_seconds: float = 0.5) -> RedisFastPath:
        # Short timeouts: a money path waits at most this long before failing closed.
        client = redis.Redis.from_url(url, socket_timeout=timeout_seconds,
                                      socket_connect_timeout=timeout_seconds, retry_on_timeout=False)
        return cls(client, prefix)

    async def claim(self, key: IdempotencyKey, fingerprint: str, lock_ttl: datetime.timedelta) -> Claim:
        try:
            held = await self._claim(keys=[key.redis_key(self._prefix)],
                                     args=[running_marker(fingerprint), _millis(lock_ttl)])
        except RedisError as err:
            raise FastPathUnavailable(str(err)) from err
        return Claim(ClaimState.ACQUIRED) if held is None else claim_from_value(held, fingerprint)

    async def complete(self, key: IdempotencyKey, outcome: Outcome, ttl: datetime.timedelta) -> None:
        try:
            await self._client.set(key.redis_key(self._prefix), outcome.to_json(), px=_millis(ttl))
        except RedisError:
            # The outcome is already durable in the database; the next replay reads it from there.
            log.warning("idempotency: could not cache outcome in Redis", exc_info=True)

    async def release(self, key: IdempotencyKey, fingerprint: str) -> None:
        try:
            await self._release(keys=[key.redis_key(self._prefix)], args=[running_marker(fingerprint)])
        except RedisError:
            log.warning("idempotency: could not release key; it expires with its lock TTL", exc_info=True)

    async def aclose(self) -> None:
        await self._client.aclose()


def _millis(delta: datetime.timedelta) -> int:
    return max(1, int(delta.total_seconds() * 1000))
