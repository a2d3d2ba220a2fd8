"""Opaque page tokens (AIP-158): a position in a listing, bound to the query that issued it.

A token names where the next page starts (an offset or the last key seen) and a fingerprint of
the filters, so a token replayed with other filters is refused instead of silently skipping or
repeating rows. Tokens are not secrets and not signed: they only ever select the caller's own
tenant's rows, which the query itself enforces.
"""

from __future__ import annotations

import base64
import hashlib
import json

import grpc

from mesh.errors import DomainError, common

__all__ = ["issue_token", "position_of"]


def issue_token(position: int, *query: object) -> str:
    """A token for the page starting after `position` of the listing filtered by `query`."""
    payload = json.dumps({"p": position, "q": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def position_of(token: str, *query: object) -> int:
    """The position a token carries (0 for no token); INVALID_PAGE_TOKEN when it was issued for
    another query or is not a token at all."""
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if decoded["q"] == _fingerprint(query) and type(decoded["p"]) is int and decoded["p"] >= 0:
            return decoded["p"]
    except (ValueError, KeyError, TypeError):
        pass
    raise DomainError(grpc.StatusCode.INVALID_ARGUMENT, common.INVALID_PAGE_TOKEN,
                      "page_token was not issued for this query")


def _fingerprint(query: tuple[object, ...]) -> str:
    return hashlib.sha256(json.dumps(query, default=str).encode()).hexdigest()[:16]
