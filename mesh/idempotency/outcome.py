"""The stored result of a first execution: a response, or a final error status."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

# Which outcomes are final lives in mesh.status_codes, shared with mesh.errors; re-exported here.
from mesh.status_codes import TRANSIENT_CODES, is_final

__all__ = ["TRANSIENT_CODES", "Outcome", "is_final"]


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the first execution answered: status code 0 with a response, or a google.rpc.Status."""

    fingerprint: str
    status_code: int
    response: bytes | None = None
    status: bytes | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "state": "done",
                "fp": self.fingerprint,
                "code": self.status_code,
                "response": _b64(self.response),
                "status": _b64(self.status),
            },
            sort_keys=True,
        )

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Outcome:
        """The outcome `to_json` wrote, as json.loads read it back."""
        return cls(raw["fp"], raw["code"], _unb64(raw.get("response")), _unb64(raw.get("status")))


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)
