"""Idempotency keys with Stripe semantics: a fast path (memory or Redis) and a durable guard."""

from mesh.idempotency.fast_path import Claim, ClaimState, FastPath, FastPathUnavailable, MemoryFastPath
from mesh.idempotency.guard import IdempotencyGuard, IdempotencyPolicy
from mesh.idempotency.keys import IdempotencyKey, fingerprint
from mesh.idempotency.outcome import TRANSIENT_CODES, Outcome
from mesh.idempotency.redis_fast_path import RedisFastPath

__all__ = [
    "TRANSIENT_CODES",
    "Claim",
    "ClaimState",
    "FastPath",
    "FastPathUnavailable",
    "IdempotencyGuard",
    "IdempotencyKey",
    "IdempotencyPolicy",
    "MemoryFastPath",
    "Outcome",
    "RedisFastPath",
    "fingerprint",
]
