"""Server-created ids derived from the idempotency key, so a retry can never mint a second resource."""

from __future__ import annotations

import base64
import hashlib


def derive_id(kind: str, tenant: str, request_id: str) -> str:
    """A stable id such as "pi_k3x…" for the resource `kind` created by `request_id` in `tenant`."""
    digest = hashlib.sha256(f"{kind}\0{tenant}\0{request_id}".encode()).digest()
    return f"{kind}_{base64.b32encode(digest).decode().rstrip('=').lower()[:26]}"
