"""Where a payment intent stands and how it is captured, named as in commerce.payments.v1.

The domain imports no generated proto module, so the mapping to the proto enums is by name:
the API adapter writes `PaymentIntentState.Value(state.proto_name)` and reads
`IntentState.from_proto_name(PaymentIntentState.Name(value))` (the same for CaptureMethod).
"""

from __future__ import annotations

import enum
from typing import TypeVar

__all__ = ["CaptureMethod", "IntentState"]

_STATE_PREFIX = "PAYMENT_INTENT_STATE_"
_CAPTURE_PREFIX = "CAPTURE_METHOD_"
_Enum = TypeVar("_Enum", bound=enum.Enum)


class IntentState(enum.StrEnum):
    """The position of an intent in its state machine; values are the proto names unprefixed."""

    REQUIRES_PAYMENT_METHOD = "REQUIRES_PAYMENT_METHOD"
    REQUIRES_CONFIRMATION = "REQUIRES_CONFIRMATION"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    PROCESSING = "PROCESSING"
    REQUIRES_VERIFICATION = "REQUIRES_VERIFICATION"
    REQUIRES_CAPTURE = "REQUIRES_CAPTURE"
    SUCCEEDED = "SUCCEEDED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"

    @property
    def proto_name(self) -> str:
        """The commerce.payments.v1.PaymentIntentState value name, e.g. "PAYMENT_INTENT_STATE_FAILED"."""
        return _STATE_PREFIX + self.value

    @property
    def is_terminal(self) -> bool:
        """True for CANCELED and FAILED: no operation ever leaves them."""
        return self in (IntentState.CANCELED, IntentState.FAILED)

    @classmethod
    def from_proto_name(cls, name: str) -> IntentState:
        """The state named by a PaymentIntentState value name; UNSPECIFIED is not a state."""
        return _by_prefixed_name(cls, _STATE_PREFIX, name)


class CaptureMethod(enum.StrEnum):
    """Whether an authorized intent waits for CapturePaymentIntent or is captured at once."""

    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"

    @property
    def proto_name(self) -> str:
        """The commerce.payments.v1.CaptureMethod value name, e.g. "CAPTURE_METHOD_MANUAL"."""
        return _CAPTURE_PREFIX + self.value

    @classmethod
    def from_proto_name(cls, name: str) -> CaptureMethod:
        """The method named by a CaptureMethod value name; UNSPECIFIED means MANUAL (the proto default)."""
        if name == _CAPTURE_PREFIX + "UNSPECIFIED":
            return cls.MANUAL
        return _by_prefixed_name(cls, _CAPTURE_PREFIX, name)


def _by_prefixed_name(cls: type[_Enum], prefix: str, name: str) -> _Enum:
    short = name.removeprefix(prefix)
    if short == name or short not in cls.__members__:
        raise ValueError(f"{cls.__name__} has no value named {name!r}")
    return cls[short]
