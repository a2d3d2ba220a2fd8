"""What a PSP said about an authorization, as the janitor or a connector learned it.

verification_resolved takes one of these; the direct transitions (authorization_approved, …)
build the same values, so both paths validate and apply an outcome the same way. Fields come
from PSP connectors, not callers, so a malformed one is a bug (ValueError), not a bad request.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ActionRequired", "AuthorizationOutcome", "Authorized", "Declined", "NotReceived"]


def _require_text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")


@dataclasses.dataclass(frozen=True, slots=True)
class Authorized:
    """`psp` holds the funds under `psp_reference`."""

    psp: str
    psp_reference: str

    def __post_init__(self) -> None:
        _require_text(self.psp, "psp")
        _require_text(self.psp_reference, "psp_reference")


@dataclasses.dataclass(frozen=True, slots=True)
class Declined:
    """The PSP declined with a normalized `decline_code`; `hard_decline` means never retry."""

    decline_code: str
    hard_decline: bool

    def __post_init__(self) -> None:
        _require_text(self.decline_code, "decline_code")
        if not isinstance(self.hard_decline, bool):
            raise TypeError("hard_decline must be a bool")


@dataclasses.dataclass(frozen=True, slots=True)
class ActionRequired:
    """`psp` wants a customer challenge (3-D Secure) before it decides."""

    psp: str
    psp_reference: str = ""

    def __post_init__(self) -> None:
        _require_text(self.psp, "psp")


@dataclasses.dataclass(frozen=True, slots=True)
class NotReceived:
    """No PSP has a record of the authorization: nothing is held, it may be sent again."""


AuthorizationOutcome = Authorized | Declined | ActionRequired | NotReceived
