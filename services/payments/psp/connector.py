"""The one interface every PSP connector implements, and the vocabulary of its answers.

A connector turns our calls (authorize, capture, void, refund) into a PSP's API and back into a
`PspResult`. Every mutating call carries OUR idempotency key, and a connector must pass it to
the PSP so that a retry never charges twice; `status(key)` asks the PSP what became of an
earlier call, which is how a janitor resolves an outcome a timeout left unknown.

Three ways a call can end, and what each means for the caller:
- a `PspResult`: the PSP executed the call and answered (approved, declined, challenge, …);
- `PspUnavailable`: the call certainly did not execute (connection refused): retry or route on;
- `PspTimeout`: the call may or may not have executed: never guess, ask `status(key)` later.
`PspRequestRejected` means the PSP refused the request itself (an amount beyond what can be
captured or refunded, a state that forbids the call, a reused key): nothing executed.

Nothing here ever holds or prints a card number: `AuthorizeRequest` keeps the card out of its
repr and results carry no card data.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping
from typing import Protocol

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import Code, DomainError, Reason, common, reason_of
from mesh.money import Money

__all__ = [
    "AuthorizeRequest",
    "Outcome",
    "PspCard",
    "PspConnector",
    "PspError",
    "PspIdempotencyConflict",
    "PspRequestRejected",
    "PspResult",
    "PspTimeout",
    "PspUnavailable",
]


class PspCard(Protocol):
    """What a connector needs of a card; the vault's card-for-PSP object satisfies it."""

    @property
    def pan(self) -> str: ...

    @property
    def exp_month(self) -> int: ...

    @property
    def exp_year(self) -> int: ...


class Outcome(enum.Enum):
    """How the PSP answered a call it executed."""

    APPROVED = "approved"
    # A soft or hard decline; see PspResult.decline_code and hard_decline.
    DECLINED = "declined"
    # The issuer wants a customer challenge (3-D Secure) before it authorizes.
    REQUIRES_ACTION = "requires_action"
    # The PSP failed to process the call; a new attempt (new key) or another PSP may succeed.
    FAILED_RETRYABLE = "failed_retryable"
    # This PSP does not take this card (brand); routing should skip to the next PSP.
    UNSUPPORTED = "unsupported"


@dataclasses.dataclass(frozen=True)
class PspResult:
    """The PSP's answer to one executed call.

    psp_reference: for authorize and void, the payment's reference at the PSP (pass it to
    capture, void and refund); for capture and refund, that item's own reference, which is the
    key of its row in the settlement report. None when the PSP created nothing (UNSUPPORTED).
    fee: what the PSP charges for a capture; None for every other call.
    """

    outcome: Outcome
    psp_reference: str | None
    decline_code: str | None = None
    hard_decline: bool = False
    fee: Money | None = None

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED


@dataclasses.dataclass(frozen=True)
class AuthorizeRequest:
    """Hold `amount` on `card`; `reference` is our id for the payment (e.g. the intent name)."""

    idempotency_key: str
    amount: Money
    card: PspCard = dataclasses.field(repr=False)
    reference: str


class PspConnector(Protocol):
    """One PSP, behind the interface routing and the payment intents depend on."""

    name: str

    async def authorize(self, request: AuthorizeRequest) -> PspResult: ...

    async def capture(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult: ...

    async def void(self, idempotency_key: str, psp_reference: str) -> PspResult: ...

    async def refund(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult: ...

    async def status(self, idempotency_key: str) -> PspResult | None:
        """The result of the earlier call made with this key, or None if it never executed."""
        ...

    async def settlement_report(self, day: datetime.date) -> str:
        """The day's (UTC) settled captures and refunds as CSV; see settlement.HEADER."""
        ...


def _payments_reason(value: int) -> Reason:
    return reason_of(error_reason_pb2.ErrorReason, value)


class PspError(DomainError):
    """A call to `psp` that produced no PspResult; `idempotency_key` names the call."""

    def __init__(
        self,
        code: Code,
        reason: Reason,
        message: str,
        *,
        psp: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            code, reason, message, metadata={"psp": psp, "idempotency_key": idempotency_key, **(metadata or {})}
        )
        self.psp = psp
        self.idempotency_key = idempotency_key


class PspUnavailable(PspError):
    """The PSP could not be reached: the call was certainly not executed."""

    def __init__(self, *, psp: str, idempotency_key: str) -> None:
        super().__init__(
            Code.UNAVAILABLE,
            _payments_reason(error_reason_pb2.ERROR_REASON_PSP_UNAVAILABLE),
            f"PSP {psp} is unavailable; the call was not executed",
            psp=psp,
            idempotency_key=idempotency_key,
        )


class PspTimeout(PspError):
    """The PSP did not answer in time: the call may have executed. Resolve with status(key)."""

    def __init__(self, *, psp: str, idempotency_key: str) -> None:
        super().__init__(
            Code.UNAVAILABLE,
            _payments_reason(error_reason_pb2.ERROR_REASON_OUTCOME_UNKNOWN),
            f"PSP {psp} did not answer in time; the outcome is unknown",
            psp=psp,
            idempotency_key=idempotency_key,
        )


class PspRequestRejected(PspError):
    """The PSP refused the request itself (amount, state, unknown reference); nothing executed."""


class PspIdempotencyConflict(PspRequestRejected):
    """The idempotency key was already used for a different call or different parameters."""

    def __init__(self, *, psp: str, idempotency_key: str) -> None:
        super().__init__(
            Code.INVALID_ARGUMENT,
            common.IDEMPOTENCY_KEY_REUSED,
            f"idempotency key was already used at PSP {psp} with different parameters",
            psp=psp,
            idempotency_key=idempotency_key,
        )
