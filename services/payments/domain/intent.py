"""PaymentIntent: one attempt to collect an amount, and every move it may make.

Each transition is a pure method: it checks its arguments, then the move against TRANSITIONS,
then the amounts, and returns a Transition: a new intent one version up and the domain events
the move emits. Nothing here does I/O; the caller talks to the PSP first and records what the
PSP said afterwards (authorize first, capture last). `capture_amount`, `refund_amount` and
`require` let the caller check a move before it calls the PSP.

Invariants, checked whenever an intent is built (a corrupt stored row fails loudly):
0 ≤ amount_refunded ≤ amount_captured ≤ amount, all in the amount's currency; money is
captured only in SUCCEEDED; only REQUIRES_PAYMENT_METHOD (and an intent canceled there) lacks
a vault token.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import NamedTuple, TypedDict, Unpack

from mesh.money import Money
from services.payments.domain.checks import check_invariants, require_currency, require_positive, require_token
from services.payments.domain.errors import AmountExceedsCapturable, AmountExceedsRefundable
from services.payments.domain.events import (
    Event,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    VerificationRequired,
)
from services.payments.domain.outcomes import (
    ActionRequired,
    AuthorizationOutcome,
    Authorized,
    Declined,
    NotReceived,
)
from services.payments.domain.states import CaptureMethod, IntentState
from services.payments.domain.transitions import TRANSITIONS, Operation, require_allowed

__all__ = ["PaymentIntent", "Transition"]


class Transition(NamedTuple):
    """The intent after a move and the events the move emitted, in order."""

    intent: PaymentIntent
    events: tuple[Event, ...]


class _Changes(TypedDict, total=False):
    """The fields a transition may set besides state, version and updated."""

    payment_method: str
    psp: str
    psp_reference: str
    decline_code: str
    amount_captured: Money
    amount_refunded: Money
    fee: Money | None
    cancellation_reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentIntent:
    """A payment intent of `tenant`; `version` grows by one with every transition."""

    id: str
    tenant: str
    amount: Money
    amount_captured: Money
    amount_refunded: Money
    state: IntentState
    capture_method: CaptureMethod
    payment_method: str
    order: str
    description: str
    psp: str
    psp_reference: str
    decline_code: str
    fee: Money | None
    cancellation_reason: str
    version: int
    created: datetime.datetime
    updated: datetime.datetime

    def __post_init__(self) -> None:
        check_invariants(self)

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the field's name
        tenant: str,
        amount: Money,
        now: datetime.datetime,
        capture_method: CaptureMethod = CaptureMethod.MANUAL,
        payment_method: str = "",
        order: str = "",
        description: str = "",
    ) -> PaymentIntent:
        """A new intent: REQUIRES_CONFIRMATION with a token, else REQUIRES_PAYMENT_METHOD."""
        require_positive("amount", amount)
        if payment_method:
            require_token(payment_method)
        zero = Money.zero(amount.currency_code)
        state = IntentState.REQUIRES_CONFIRMATION if payment_method else IntentState.REQUIRES_PAYMENT_METHOD
        return cls(
            id=id,
            tenant=tenant,
            amount=amount,
            amount_captured=zero,
            amount_refunded=zero,
            state=state,
            capture_method=capture_method,
            payment_method=payment_method,
            order=order,
            description=description,
            psp="",
            psp_reference="",
            decline_code="",
            fee=None,
            cancellation_reason="",
            version=1,
            created=now,
            updated=now,
        )

    @property
    def name(self) -> str:
        """The resource name, "tenants/{tenant}/paymentIntents/{id}"."""
        return f"tenants/{self.tenant}/paymentIntents/{self.id}"

    @property
    def capturable(self) -> Money:
        """What is authorized and not yet captured; zero unless the state allows a capture."""
        if self.allows(Operation.CAPTURE):
            return self.amount - self.amount_captured
        return Money.zero(self.amount.currency_code)

    @property
    def refundable(self) -> Money:
        """What is captured and not yet refunded."""
        return self.amount_captured - self.amount_refunded

    def allows(self, operation: Operation) -> bool:
        return self.state in TRANSITIONS[operation].sources

    def require(self, operation: Operation) -> None:
        """Raise IntentStateInvalid unless the current state allows `operation`."""
        require_allowed(operation, self.state)

    def capture_amount(self, requested: Money | None) -> Money:
        """What capture(requested) would take (None: everything capturable), or its error."""
        self._check_requested(requested)
        self.require(Operation.CAPTURE)
        return _within(requested, self.capturable, AmountExceedsCapturable)

    def refund_amount(self, requested: Money | None) -> Money:
        """What refund(requested) would return (None: everything refundable), or its error."""
        self._check_requested(requested)
        self.require(Operation.REFUND)
        return _within(requested, self.refundable, AmountExceedsRefundable)

    def attach_payment_method(self, token: str, *, now: datetime.datetime) -> Transition:
        """Use the vault token `token`; a new card also forgets any PSP that was asking for action."""
        require_token(token)
        self.require(Operation.ATTACH_PAYMENT_METHOD)
        intent = self._advance(IntentState.REQUIRES_CONFIRMATION, now, payment_method=token, psp="", psp_reference="")
        return Transition(intent, ())

    def begin_authorization(self, *, now: datetime.datetime) -> Transition:
        """An authorization is about to be sent to a PSP (recorded before the call, for crash safety)."""
        self.require(Operation.BEGIN_AUTHORIZATION)
        return Transition(self._advance(IntentState.PROCESSING, now), ())

    def authorization_approved(self, psp: str, psp_reference: str, *, now: datetime.datetime) -> Transition:
        """`psp` holds the funds. For AUTOMATIC capture the caller then calls capture()."""
        return self._resolve(Operation.AUTHORIZATION_APPROVED, Authorized(psp, psp_reference), now)

    def authorization_declined(self, decline_code: str, hard_decline: bool, *, now: datetime.datetime) -> Transition:
        """The (last) PSP declined: the intent fails with `decline_code`."""
        return self._resolve(Operation.AUTHORIZATION_DECLINED, Declined(decline_code, hard_decline), now)

    def authorization_requires_action(
        self,
        psp: str,
        psp_reference: str = "",
        *,
        now: datetime.datetime,
    ) -> Transition:
        """`psp` asked for a customer challenge before deciding."""
        return self._resolve(Operation.AUTHORIZATION_REQUIRES_ACTION, ActionRequired(psp, psp_reference), now)

    def authorization_not_received(self, *, now: datetime.datetime) -> Transition:
        """No PSP received the request (every one refused before sending): confirm again later."""
        return self._resolve(Operation.AUTHORIZATION_NOT_RECEIVED, NotReceived(), now)

    def authorization_outcome_unknown(
        self,
        psp: str = "",
        psp_reference: str = "",
        *,
        now: datetime.datetime,
    ) -> Transition:
        """A call to `psp` may have acted but gave no answer: the janitor must ask before anything else."""
        self.require(Operation.AUTHORIZATION_OUTCOME_UNKNOWN)
        intent = self._advance(IntentState.REQUIRES_VERIFICATION, now, psp=psp, psp_reference=psp_reference)
        return Transition(intent, (VerificationRequired(psp, psp_reference),))

    def verification_resolved(self, outcome: AuthorizationOutcome, *, now: datetime.datetime) -> Transition:
        """The janitor learned the PSP's `outcome`; the intent goes where that outcome leads."""
        return self._resolve(Operation.VERIFICATION_RESOLVED, outcome, now)

    def capture(
        self,
        amount: Money | None = None,
        fee: Money | None = None,
        *,
        now: datetime.datetime,
    ) -> Transition:
        """Record a capture of `amount` (None: all that is capturable) for which the PSP charged `fee`."""
        if fee is not None:
            self._check_fee(fee)
        taken = self.capture_amount(amount)
        captured = self.amount_captured + taken
        fees = _fee_total(self.fee, fee)
        intent = self._advance(IntentState.SUCCEEDED, now, amount_captured=captured, fee=fees)
        return Transition(intent, (PaymentCaptured(taken, captured, fee),))

    def cancel(self, reason: str = "", *, now: datetime.datetime) -> Transition:
        """Void the intent before any capture; `reason` is kept with it."""
        self.require(Operation.CANCEL)
        intent = self._advance(IntentState.CANCELED, now, cancellation_reason=reason)
        return Transition(intent, (PaymentCanceled(self.amount - self.amount_captured, reason),))

    def refund(self, amount: Money | None = None, *, now: datetime.datetime) -> Transition:
        """Record a refund the PSP made of `amount` (None: all that is refundable); stays SUCCEEDED."""
        returned = self.refund_amount(amount)
        refunded = self.amount_refunded + returned
        intent = self._advance(IntentState.SUCCEEDED, now, amount_refunded=refunded)
        return Transition(intent, (PaymentRefunded(returned, refunded),))

    def _resolve(self, operation: Operation, outcome: AuthorizationOutcome, now: datetime.datetime) -> Transition:
        self.require(operation)
        match outcome:
            case Authorized(psp=psp, psp_reference=reference):
                intent = self._advance(IntentState.REQUIRES_CAPTURE, now, psp=psp, psp_reference=reference)
                return Transition(intent, (PaymentAuthorized(self.amount, psp, reference),))
            case Declined(decline_code=code, hard_decline=hard):
                intent = self._advance(IntentState.FAILED, now, decline_code=code)
                return Transition(intent, (PaymentFailed(self.amount, code, hard),))
            case ActionRequired(psp=psp, psp_reference=reference):
                intent = self._advance(IntentState.REQUIRES_ACTION, now, psp=psp, psp_reference=reference)
                return Transition(intent, ())
            case NotReceived():
                intent = self._advance(IntentState.REQUIRES_CONFIRMATION, now, psp="", psp_reference="")
                return Transition(intent, ())
        raise TypeError(f"not an authorization outcome: {type(outcome).__name__}")

    def _advance(self, state: IntentState, now: datetime.datetime, **changes: Unpack[_Changes]) -> PaymentIntent:
        """This intent in `state`, one version up, updated at `now`."""
        return dataclasses.replace(self, state=state, version=self.version + 1, updated=now, **changes)

    def _check_requested(self, requested: Money | None) -> None:
        if requested is None:
            return
        require_positive("amount", requested)
        require_currency(self.amount, requested)

    def _check_fee(self, fee: Money) -> None:
        require_currency(self.amount, fee)
        if fee.amount_minor < 0:
            raise ValueError("a PSP fee cannot be negative")


def _fee_total(known: Money | None, charged: Money | None) -> Money | None:
    """The fees of all captures so far; unknown until a PSP reports one."""
    if charged is None:
        return known
    return charged if known is None else known + charged


def _within(
    requested: Money | None,
    left: Money,
    error: type[AmountExceedsCapturable | AmountExceedsRefundable],
) -> Money:
    wanted = left if requested is None else requested
    if left.amount_minor == 0 or wanted > left:
        raise error(requested, left)
    return wanted
