"""Final and transient gRPC status codes: the one classification the error contract and the
idempotency guard share, in a module of its own so neither has to import the other.

A transient outcome is one a retry can change, and its effects were rolled back: the guard does
not store it, the key is released, and a retry with the same request_id executes afresh. Every
other outcome is final (success, or an error a retry cannot change) and is replayed for the key's
lifetime; only a final error may keep its effects (DomainError's keep_effects).
"""

from __future__ import annotations

import grpc

__all__ = ["TRANSIENT_CODES", "is_final"]

TRANSIENT_CODES = frozenset({
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED, grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.CANCELLED,
})


def is_final(code: grpc.StatusCode) -> bool:
    """Whether an outcome with this code stands: a retry of the same request gets it replayed."""
    return code not in TRANSIENT_CODES
