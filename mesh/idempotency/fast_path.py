"""The fast path of idempotency: claim a key before executing, in memory or in Redis.

The fast path only keeps concurrent duplicates apart and answers replays cheaply. Correctness
does not rest on it: the durable record in the service's database is the guard (see guard.py).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import time
from collections.abc import Callable
from typing import Protocol

from mesh.idempotency.keys import IdempotencyKey
from mesh.idempotency.outcome import Outcome


class ClaimState(enum.Enum):
    ACQUIRED = "acquired"  # nobody holds the key: execute
    IN_PROGRESS = "in_progress"  # the same request is executing now
    COMPLETED = "completed"  # the same request finished: replay `outcome`
    MISMATCH = "mismatch"  # the key was used with a different request


@dataclasses.dataclass(frozen=True)
class Claim:
    state: ClaimState
    outcome: Outcome | None = None


class FastPathUnavailable(Exception):
    """The fast-path store could not be reached; money paths fail closed on this."""


class FastPath(Protocol):
    async def claim(self, key: IdempotencyKey, fingerprint: str, lock_ttl: datetime.timedelta) -> Claim: ...

    async def complete(self, key: IdempotencyKey, outcome: Outcome, ttl: datetime.timedelta) -> None: ...

    async def release(self, key: IdempotencyKey, fingerprint: str) -> None: ...

    async def aclose(self) -> None: ...


def running_marker(fingerprint: str) -> str:
    """The value a claimed, still running key holds (deterministic, so release can compare it)."""
    return json.dumps({"fp": fingerprint, "state": "running"}, sort_keys=True)


def claim_from_value(value: str | bytes, fingerprint: str) -> Claim:
    """Interpret what a key already holds for a request with `fingerprint`."""
    raw = json.loads(value)
    if raw["fp"] != fingerprint:
        return Claim(ClaimState.MISMATCH)
    if raw["state"] == "running":
        return Claim(ClaimState.IN_PROGRESS)
    return Claim(ClaimState.COMPLETED, Outcome.from_mapping(raw))


class MemoryFastPath:
    """In-process store for the embedded default and unit tests (one process only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._values: dict[IdempotencyKey, tuple[str, float]] = {}
        self._clock = clock

    async def claim(self, key: IdempotencyKey, fingerprint: str, lock_ttl: datetime.timedelta) -> Claim:
        held = self._get(key)
        if held is not None:
            return claim_from_value(held, fingerprint)
        self._put(key, running_marker(fingerprint), lock_ttl)
        return Claim(ClaimState.ACQUIRED)

    async def complete(self, key: IdempotencyKey, outcome: Outcome, ttl: datetime.timedelta) -> None:
        self._put(key, outcome.to_json(), ttl)

    async def release(self, key: IdempotencyKey, fingerprint: str) -> None:
        if self._get(key) == running_marker(fingerprint):
            del self._values[key]

    async def aclose(self) -> None:
        self._values.clear()

    def _get(self, key: IdempotencyKey) -> str | None:
        entry = self._values.get(key)
        if entry is None or entry[1] <= self._clock():
            self._values.pop(key, None)
            return None
        return entry[0]

    def _put(self, key: IdempotencyKey, value: str, ttl: datetime.timedelta) -> None:
        self._values[key] = (value, self._clock() + ttl.total_seconds())
