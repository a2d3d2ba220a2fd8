"""SandboxPsp: an in-memory PSP that behaves like a real one, for tests, demos and `mesh up`.

Like a real PSP it keeps its own idempotency (the same key replays the first result and never
charges twice; the same key with other parameters is refused), keeps each payment's authorized,
captured and refunded amounts (captures in parts up to what is authorized, refunds up to what is
captured, a void only before any capture), charges a fee on every capture (see fees) and
exports a daily settlement report (see settlement). Card numbers decide the issuer's answer (see
cards), and three knobs make it misbehave on purpose, drawn from a seeded RNG so a run repeats:
`latency` (seconds, uniform in [min, max]) before every call, `failure_rate` (PspUnavailable
before the call executes) and `timeout_rate` (PspTimeout after it executed).

A request the PSP refuses (PspRequestRejected, or CurrencyMismatch for an amount in another
currency than the authorization) is not remembered under its key, as with real PSPs'
validation errors; every executed call is, whatever its outcome, so a FAILED_RETRYABLE answer
replays too and a new attempt needs a new key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import hashlib
import hmac
import logging
import os
import random
import uuid
from collections.abc import Awaitable, Callable, Hashable

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import Code, Reason, common, reason_of
from mesh.money import Money
from services.payments.psp.cards import EXPIRED_CARD, CardBehaviour, CardBrand, behaviour_of, brand_of
from services.payments.psp.connector import (
    AuthorizeRequest,
    Outcome,
    PspCard,
    PspIdempotencyConflict,
    PspRequestRejected,
    PspResult,
    PspTimeout,
    PspUnavailable,
)
from services.payments.psp.fees import FeeSchedule
from services.payments.psp.settlement import SettlementItem, SettlementType, settlement_csv

__all__ = ["SandboxPayment", "SandboxPsp"]

_log = logging.getLogger(__name__)

UNSUPPORTED_BRAND = "card_brand_unsupported"
_ERRORS = error_reason_pb2.ErrorReason
_EXCEEDS_CAPTURABLE = reason_of(_ERRORS, error_reason_pb2.ERROR_REASON_AMOUNT_EXCEEDS_CAPTURABLE)
_EXCEEDS_REFUNDABLE = reason_of(_ERRORS, error_reason_pb2.ERROR_REASON_AMOUNT_EXCEEDS_REFUNDABLE)
_STATE_INVALID = reason_of(_ERRORS, error_reason_pb2.ERROR_REASON_PAYMENT_INTENT_STATE_INVALID)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class _State(enum.Enum):
    AUTHORIZED = "authorized"
    VOIDED = "voided"
    DECLINED = "declined"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class SandboxPayment:
    """A payment as the sandbox holds it; `state` is "captured" once anything is captured."""

    psp_reference: str
    reference: str
    state: str
    authorized: Money
    captured: Money
    refunded: Money


@dataclasses.dataclass
class _Payment:
    psp_reference: str
    reference: str
    state: _State
    authorized: Money
    captured: Money
    refunded: Money

    @property
    def state_name(self) -> str:
        return "captured" if self.captured.amount_minor else self.state.value


@dataclasses.dataclass(frozen=True)
class _Call:
    fingerprint: Hashable
    result: PspResult


# An executed call's result, and whether its answer is lost on the way back (a timeout).
_Execution = tuple[PspResult, bool]

_OUTCOMES = {
    CardBehaviour.APPROVE: (Outcome.APPROVED, _State.AUTHORIZED),
    CardBehaviour.TIMEOUT_AFTER_EXECUTION: (Outcome.APPROVED, _State.AUTHORIZED),
    CardBehaviour.DECLINE: (Outcome.DECLINED, _State.DECLINED),
    CardBehaviour.CHALLENGE: (Outcome.REQUIRES_ACTION, _State.REQUIRES_ACTION),
    CardBehaviour.PROCESSING_ERROR: (Outcome.FAILED_RETRYABLE, _State.FAILED),
}


class SandboxPsp:
    """One sandbox PSP account; implements PspConnector."""

    def __init__(
        self,
        name: str,
        *,
        fee_rate_bps: int,
        fixed_fee_minor: int,
        latency: tuple[float, float] = (0.0, 0.0),
        failure_rate: float = 0.0,
        timeout_rate: float = 0.0,
        clock: Callable[[], datetime.datetime] = _utc_now,
        seed: int | None = None,
        supported_brands: frozenset[CardBrand] = frozenset(CardBrand),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 <= latency[0] <= latency[1]:
            raise ValueError(f"latency must be (min, max) with 0 <= min <= max, not {latency}")
        for rate in (failure_rate, timeout_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"failure and timeout rates must lie in [0, 1], not {rate}")
        self.name = name
        self.supported_brands = supported_brands
        self._fees = FeeSchedule(fee_rate_bps, fixed_fee_minor)
        self._latency, self._failure_rate, self._timeout_rate = latency, failure_rate, timeout_rate
        self._now, self._sleep, self._rng = clock, sleep, random.Random(seed)
        self._card_key = os.urandom(32)  # card fingerprints for idempotency, never reversible
        self._calls: dict[str, _Call] = {}
        self._payments: dict[str, _Payment] = {}
        self._settled: list[SettlementItem] = []

    def __repr__(self) -> str:
        return f"SandboxPsp({self.name!r})"

    # The PspConnector interface.

    async def authorize(self, request: AuthorizeRequest) -> PspResult:
        fingerprint = ("authorize", request.amount, self._card_fingerprint(request.card), request.reference)
        return await self._call("authorize", request.idempotency_key, fingerprint, lambda: self._authorize(request))

    async def capture(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult:
        return await self._call(
            "capture",
            idempotency_key,
            ("capture", psp_reference, amount),
            lambda: self._capture(idempotency_key, psp_reference, amount),
        )

    async def void(self, idempotency_key: str, psp_reference: str) -> PspResult:
        return await self._call(
            "void", idempotency_key, ("void", psp_reference), lambda: self._void(idempotency_key, psp_reference)
        )

    async def refund(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult:
        return await self._call(
            "refund",
            idempotency_key,
            ("refund", psp_reference, amount),
            lambda: self._refund(idempotency_key, psp_reference, amount),
        )

    async def status(self, idempotency_key: str) -> PspResult | None:
        await self._reach(idempotency_key)
        call = self._calls.get(idempotency_key)
        return call.result if call else None

    async def settlement_report(self, day: datetime.date) -> str:
        return settlement_csv(self._settled, day)

    # Sandbox-only inspection, for tests and demos.

    def payment(self, psp_reference: str) -> SandboxPayment:
        found = self._payments[psp_reference]
        return SandboxPayment(
            found.psp_reference, found.reference, found.state_name, found.authorized, found.captured, found.refunded
        )

    def payments_for(self, reference: str) -> tuple[SandboxPayment, ...]:
        """Every payment created for our `reference` (one per executed authorization)."""
        return tuple(self.payment(p.psp_reference) for p in self._payments.values() if p.reference == reference)

    # One call: the network, then the PSP's idempotency, then the (possibly lost) answer.

    async def _call(
        self, operation: str, key: str, fingerprint: Hashable, execute: Callable[[], _Execution]
    ) -> PspResult:
        await self._reach(key)
        recorded = self._calls.get(key)
        if recorded is None:
            result, lost = execute()
            self._calls[key] = _Call(fingerprint, result)
        elif recorded.fingerprint != fingerprint:
            _log.warning(
                "psp %s refused %s: idempotency key %s reused with other parameters", self.name, operation, key
            )
            raise PspIdempotencyConflict(psp=self.name, idempotency_key=key)
        else:
            result, lost = recorded.result, False
        timed_out = self._rng.random() < self._timeout_rate
        _log.info(
            "psp %s %s key=%s outcome=%s psp_reference=%s",
            self.name,
            operation,
            key,
            result.outcome.value,
            result.psp_reference,
        )
        if lost or timed_out:
            _log.warning("psp %s %s key=%s executed but its answer was lost", self.name, operation, key)
            raise PspTimeout(psp=self.name, idempotency_key=key)
        return result

    async def _reach(self, key: str) -> None:
        """Latency, then maybe a refused connection: the PSP never saw the call."""
        delay = self._rng.uniform(*self._latency)
        if delay > 0:
            await self._sleep(delay)
        if self._rng.random() < self._failure_rate:
            _log.warning("psp %s unreachable for key=%s", self.name, key)
            raise PspUnavailable(psp=self.name, idempotency_key=key)

    def _authorize(self, request: AuthorizeRequest) -> _Execution:
        self._require_positive(request.amount, request.idempotency_key)
        if brand_of(request.card.pan) not in self.supported_brands:
            return PspResult(Outcome.UNSUPPORTED, None, decline_code=UNSUPPORTED_BRAND), False
        behaviour, decline = behaviour_of(request.card.pan)
        if behaviour is CardBehaviour.APPROVE and self._expired(request.card):
            behaviour, decline = CardBehaviour.DECLINE, EXPIRED_CARD
        outcome, state = _OUTCOMES[behaviour]
        zero = Money.zero(request.amount.currency_code)
        payment = _Payment(self._new_reference("pay"), request.reference, state, request.amount, zero, zero)
        self._payments[payment.psp_reference] = payment
        result = PspResult(
            outcome,
            payment.psp_reference,
            decline_code=decline.code if decline else None,
            hard_decline=bool(decline and decline.hard),
        )
        return result, behaviour is CardBehaviour.TIMEOUT_AFTER_EXECUTION

    def _capture(self, key: str, psp_reference: str, amount: Money) -> _Execution:
        payment = self._authorized_payment(psp_reference, key)
        self._require_positive(amount, key)
        if amount > payment.authorized - payment.captured:
            raise self._rejected(
                key, _EXCEEDS_CAPTURABLE, "capture exceeds the authorized amount not yet captured", psp_reference
            )
        fee = self._fees.fee_for(amount)
        capture_reference = self._new_reference("cap")
        self._settle(capture_reference, SettlementType.CAPTURE, amount, fee)
        payment.captured += amount
        return PspResult(Outcome.APPROVED, capture_reference, fee=fee), False

    def _void(self, key: str, psp_reference: str) -> _Execution:
        payment = self._authorized_payment(psp_reference, key)
        if payment.captured.amount_minor:
            raise self._state_invalid(key, payment)
        payment.state = _State.VOIDED
        return PspResult(Outcome.APPROVED, psp_reference), False

    def _refund(self, key: str, psp_reference: str, amount: Money) -> _Execution:
        payment = self._authorized_payment(psp_reference, key)
        self._require_positive(amount, key)
        if amount > payment.captured - payment.refunded:
            raise self._rejected(
                key, _EXCEEDS_REFUNDABLE, "refund exceeds the captured amount not yet refunded", psp_reference
            )
        refund_reference = self._new_reference("ref")
        self._settle(refund_reference, SettlementType.REFUND, -amount, Money.zero(amount.currency_code))
        payment.refunded += amount
        return PspResult(Outcome.APPROVED, refund_reference), False

    # Helpers.

    def _authorized_payment(self, psp_reference: str, key: str) -> _Payment:
        payment = self._payments.get(psp_reference)
        if payment is None:
            raise PspRequestRejected(
                Code.NOT_FOUND,
                common.NOT_FOUND,
                f"PSP {self.name} has no payment {psp_reference}",
                psp=self.name,
                idempotency_key=key,
                metadata={"psp_reference": psp_reference},
            )
        if payment.state is not _State.AUTHORIZED:
            raise self._state_invalid(key, payment)
        return payment

    def _state_invalid(self, key: str, payment: _Payment) -> PspRequestRejected:
        return self._rejected(
            key, _STATE_INVALID, f"the payment is {payment.state_name}", payment.psp_reference, state=payment.state_name
        )

    def _rejected(
        self, key: str, reason: Reason, message: str, psp_reference: str, **metadata: str
    ) -> PspRequestRejected:
        _log.warning("psp %s refused key=%s psp_reference=%s: %s", self.name, key, psp_reference, message)
        return PspRequestRejected(
            Code.FAILED_PRECONDITION,
            reason,
            f"PSP {self.name}: {message}",
            psp=self.name,
            idempotency_key=key,
            metadata={"psp_reference": psp_reference, **metadata},
        )

    def _require_positive(self, amount: Money, key: str) -> None:
        if amount.amount_minor <= 0:
            raise PspRequestRejected(
                Code.INVALID_ARGUMENT,
                common.VALIDATION_FAILED,
                f"PSP {self.name}: amounts must be positive",
                psp=self.name,
                idempotency_key=key,
            )

    def _settle(self, reference: str, kind: SettlementType, gross: Money, fee: Money) -> None:
        self._settled.append(SettlementItem(reference, kind, gross, fee, self._now()))

    def _expired(self, card: PspCard) -> bool:
        today = self._now().astimezone(datetime.UTC)
        return (card.exp_year, card.exp_month) < (today.year, today.month)

    def _card_fingerprint(self, card: PspCard) -> str:
        material = f"{card.pan}|{card.exp_month}|{card.exp_year}".encode()
        return hmac.new(self._card_key, material, hashlib.sha256).hexdigest()

    def _new_reference(self, kind: str) -> str:
        return f"{self.name.replace('-', '_')}_{kind}_{uuid.uuid4().hex[:20]}"
