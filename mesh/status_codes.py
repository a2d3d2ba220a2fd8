"""The status codes of the error contract, and which of them are final.

`Code` is the canonical code vocabulary (google.rpc.Code): gRPC's codes by name and number, with
nothing imported from grpc, so a domain can fail with a code and stay pure. The edge (the
server's interceptors, outbound calls) maps them 1:1 to grpc.StatusCode: mesh.grpc_codes.

A transient outcome is one a retry can change, and its effects were rolled back: the guard does
not store it, the key is released, and a retry with the same request_id executes afresh. Every
other outcome is final (success, or an error a retry cannot change) and is replayed for the key's
lifetime; only a final error may keep its effects (DomainError's keep_effects). This is the one
classification the error contract and the idempotency guard share, in a module of its own so
neither has to import the other.
"""

from __future__ import annotations

import enum

__all__ = ["TRANSIENT_CODES", "Code", "is_final"]


class Code(enum.Enum):
    """A status code: the value is its number on the wire (google.rpc.Status.code)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


TRANSIENT_CODES: frozenset[Code] = frozenset(
    {
        Code.UNAVAILABLE,
        Code.ABORTED,
        Code.DEADLINE_EXCEEDED,
        Code.RESOURCE_EXHAUSTED,
        Code.INTERNAL,
        Code.UNKNOWN,
        Code.CANCELLED,
    }
)


def is_final(code: Code) -> bool:
    """Whether an outcome with this code stands: a retry of the same request gets it replayed."""
    return code not in TRANSIENT_CODES
