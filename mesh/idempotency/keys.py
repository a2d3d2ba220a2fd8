"""Idempotency keys are scoped by tenant and method; requests are compared by fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib

from google.protobuf.message import Message


@dataclasses.dataclass(frozen=True)
class IdempotencyKey:
    """A request_id within one tenant and one RPC method."""

    tenant: str
    method: str
    request_id: str

    def redis_key(self, prefix: str) -> str:
        return f"{prefix}idem:{self.tenant}:{self.method}:{self.request_id}"


def fingerprint(request: Message) -> str:
    """SHA-256 of the deterministic encoding: equal requests match, any changed field does not."""
    return hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
