"""Idempotency keys with Stripe semantics and atomic phases: a fast path (memory or Redis), a
durable record claimed before the handler runs, and short phases that advance it."""

from mesh.idempotency.fast_path import Claim, ClaimState, FastPath, FastPathUnavailable, MemoryFastPath
from mesh.idempotency.guard import IdempotencyGuard
from mesh.idempotency.keys import Fingerprinter, IdempotencyKey
from mesh.idempotency.outcome import TRANSIENT_CODES, Outcome
from mesh.idempotency.phases import LockLost, atomic_phase, current_recovery_point, resumed
from mesh.idempotency.policy import IdempotencyPolicy
from mesh.idempotency.redis_fast_path import RedisFastPath

__all__ = [
    "TRANSIENT_CODES",
    "Claim",
    "ClaimState",
    "FastPath",
    "FastPathUnavailable",
    "Fingerprinter",
    "IdempotencyGuard",
    "IdempotencyKey",
    "IdempotencyPolicy",
    "LockLost",
    "MemoryFastPath",
    "Outcome",
    "RedisFastPath",
    "atomic_phase",
    "current_recovery_point",
    "resumed",
]
