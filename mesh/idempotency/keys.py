"""Idempotency keys are scoped by tenant and method; requests are compared by fingerprint.

A fingerprint is stored for the key's lifetime, in Redis and in the service's database, so it
must not give back what the request carried: it is an HMAC under a secret key (a card number
cannot be brute-forced from its BIN and last four without that key), and fields that must not
persist in any form at all, such as a CVC, are left out of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

KEY_BYTES = 32


@dataclasses.dataclass(frozen=True)
class IdempotencyKey:
    """A request_id within one tenant and one RPC method."""

    tenant: str
    method: str
    request_id: str

    def redis_key(self, prefix: str) -> str:
        return f"{prefix}idem:{self.tenant}:{self.method}:{self.request_id}"


class Fingerprinter:
    """Keyed fingerprints of requests: equal requests match, any changed field does not.

    `excluded` names fields (full proto names, "commerce.payments.v1.TokenizeCardRequest.cvc")
    that take no part: a retry that changes only them is the same request."""

    def __init__(self, key: bytes, excluded: frozenset[str] = frozenset()) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"a fingerprint key needs at least {KEY_BYTES} bytes")
        self._key = key
        self._excluded = excluded
        self._cleared: dict[Descriptor, tuple[str, ...]] = {}

    def __call__(self, request: Message) -> str:
        # The stubs type Message.DESCRIPTOR as Descriptor | the upb Descriptor, but upb's is a
        # descriptor.Descriptor at run time (its metaclass says so to isinstance).
        cleared = self._cleared_fields(request.DESCRIPTOR)  # type: ignore[arg-type]
        if cleared:
            request = _without(request, cleared)
        encoded = request.SerializeToString(deterministic=True)
        return hmac.new(self._key, encoded, hashlib.sha256).hexdigest()

    def _cleared_fields(self, descriptor: Descriptor) -> tuple[str, ...]:
        found = self._cleared.get(descriptor)
        if found is None:
            found = tuple(f.name for f in descriptor.fields if f.full_name in self._excluded)
            self._cleared[descriptor] = found
        return found


def _without(request: Message, fields: tuple[str, ...]) -> Message:
    copy = type(request)()
    copy.CopyFrom(request)
    for name in fields:
        copy.ClearField(name)
    return copy
