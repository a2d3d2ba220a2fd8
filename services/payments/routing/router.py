"""PSP routing with fallback.

Candidates come from the first rule that matches the tenant, currency and card brand (else the
default order). For each candidate in turn:
- its circuit is open → skip to the next (the call is never sent);
- PspUnavailable → retried with the same key (full-jitter backoff); if it stays unavailable,
  the call certainly never executed → next PSP;
- FAILED_RETRYABLE or UNSUPPORTED → next PSP;
- a decline → returned, never routed on: the issuer said no, and another PSP asks the same
  issuer (a hard decline must never be retried anywhere; a soft one is dunning's business);
- PspTimeout → OutcomeUnknown: the authorization may exist at this PSP, so routing on could
  charge twice; the janitor resolves it with status().
The rule behind the last one holds whatever happens after it: once one attempt at a PSP may
have reached it (a timeout), the call's outcome there is unknown until that PSP answers. A later
retry refused by the open circuit, or answered "unavailable", does not make it "never sent":
the call stays an OutcomeUnknown at that PSP and is never routed elsewhere.
Each PSP gets its own idempotency key derived from ours ("<key>:<psp>"), so a retry reaches the
PSP's own idempotency and status() can find the call. Retrying a PSP call is safe only because
of those keys; the retry loop is the runtime's (mesh.resilience.retry.retrying_on). Failures of
a connector (unavailable, timeout, processing error) count against its circuit breaker; declines
and rejected requests do not. `before_send(psp, key)` runs before the first attempt at each PSP,
so the caller can commit which PSP the call is about to reach.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import Code, DomainError, Reason, reason_of
from mesh.resilience import BreakerRegistry
from mesh.resilience.hedge import hedged
from mesh.resilience.retry import retrying_on
from services.payments.psp.connector import (
    AuthorizeRequest,
    Outcome,
    PspConnector,
    PspResult,
    PspTimeout,
    PspUnavailable,
)

_NEXT_PSP = frozenset({Outcome.FAILED_RETRYABLE, Outcome.UNSUPPORTED})
BeforeSend = Callable[[str, str], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class RoutingRule:
    """PSPs to try, in order, for payments matching every field that is set."""

    psps: tuple[str, ...]
    currencies: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    tenants: frozenset[str] = frozenset()

    def matches(self, tenant: str, currency: str, brand: str) -> bool:
        return all(
            not allowed or value in allowed
            for allowed, value in ((self.tenants, tenant), (self.currencies, currency), (self.brands, brand))
        )


@dataclasses.dataclass(frozen=True)
class RoutingPolicy:
    rules: tuple[RoutingRule, ...]
    default: tuple[str, ...]
    attempts_per_psp: int = 3
    backoff_base: float = 0.05
    backoff_max: float = 1.0
    status_hedge_after: float = 0.2

    def candidates(self, tenant: str, currency: str, brand: str) -> tuple[str, ...]:
        return next((r.psps for r in self.rules if r.matches(tenant, currency, brand)), self.default)


@dataclasses.dataclass(frozen=True)
class Routed:
    """A PSP executed the call and answered."""

    psp: str
    idempotency_key: str
    result: PspResult
    skipped: tuple[str, ...] = ()  # PSPs tried or skipped before this one


@dataclasses.dataclass(frozen=True)
class OutcomeUnknown:
    """The call may have executed at `psp`; only status(idempotency_key) can tell."""

    psp: str
    idempotency_key: str


class _RetryableResult(DomainError):
    """A processing error answered by the PSP: a connector failure for its breaker."""

    def __init__(self, psp: str) -> None:
        super().__init__(
            Code.UNAVAILABLE,
            _reason(error_reason_pb2.ERROR_REASON_PSP_UNAVAILABLE),
            f"PSP {psp} failed to process the call",
        )


class PspRouter:
    def __init__(
        self, connectors: Mapping[str, PspConnector], policy: RoutingPolicy, breakers: BreakerRegistry | None = None
    ) -> None:
        self._connectors = dict(connectors)
        self._policy = policy
        self.breakers = breakers or BreakerRegistry()

    async def authorize(
        self, key: str, request: AuthorizeRequest, *, tenant: str, brand: str, before_send: BeforeSend | None = None
    ) -> Routed | OutcomeUnknown:
        """Authorize at the first PSP that executes the call; raise PSP_UNAVAILABLE if none does."""
        passed: list[str] = []
        for psp in self.candidates(tenant, request, brand):
            psp_key = f"{key}:{psp}"
            if before_send is not None:
                await before_send(psp, psp_key)
            try:
                result = await self._call(psp, _authorization(request, psp_key))
            except PspTimeout:
                return OutcomeUnknown(psp, psp_key)
            except (PspUnavailable, _RetryableResult) as err:
                passed.append(f"{psp}: {err.reason.name}")
                continue
            except DomainError as err:
                if err.code is Code.UNAVAILABLE:  # circuit open before the first attempt: never sent
                    passed.append(f"{psp}: circuit open")
                    continue
                raise
            if result.outcome in _NEXT_PSP:
                passed.append(f"{psp}: {result.outcome.value}")
                continue
            return Routed(psp, psp_key, result, tuple(passed))
        raise DomainError(
            Code.UNAVAILABLE,
            _reason(error_reason_pb2.ERROR_REASON_PSP_UNAVAILABLE),
            "no PSP could process the payment; nothing was charged, retry with the same request_id",
            metadata={"tried": "; ".join(passed)[:500]},
        )

    def candidates(self, tenant: str, request: AuthorizeRequest, brand: str) -> tuple[str, ...]:
        return self._policy.candidates(tenant, request.amount.currency_code, brand)

    async def call(self, psp: str, operation: Callable[[PspConnector], Awaitable[PspResult]]) -> PspResult:
        """A follow-up call (capture, void, refund) at the PSP holding the payment; no fallback."""
        return await self._call(psp, operation)

    async def status(self, psp: str, idempotency_key: str) -> PspResult | None:
        """Ask `psp` what became of a call; hedged, since a status check is an idempotent read."""
        connector = self._connectors[psp]
        return await hedged(lambda: connector.status(idempotency_key), self._policy.status_hedge_after, lambda: True)

    async def _call(self, psp: str, operation: Callable[[PspConnector], Awaitable[PspResult]]) -> PspResult:
        connector = self._connectors[psp]
        # Built per call: a loop keeps the state of the call it runs.
        retrying = retrying_on(
            (PspUnavailable, PspTimeout),
            attempts=self._policy.attempts_per_psp,
            backoff_base=self._policy.backoff_base,
            backoff_max=self._policy.backoff_max,
        )
        timeouts: list[PspTimeout] = []
        try:
            return await retrying(self._attempt, psp, connector, operation, timeouts)
        except DomainError as err:
            if timeouts and _not_sent(err):
                # An earlier attempt may have executed: "unavailable" or "circuit open" now cannot
                # mean "never sent", so the outcome at this PSP stays unknown.
                raise timeouts[0] from err
            raise

    async def _attempt(
        self,
        psp: str,
        connector: PspConnector,
        operation: Callable[[PspConnector], Awaitable[PspResult]],
        timeouts: list[PspTimeout],
    ) -> PspResult:
        async with self.breakers.guard(psp):
            try:
                result = await operation(connector)
            except PspTimeout as err:
                # Noted inside the guard: if this failure opens the circuit, the guard's exit
                # raises "circuit open" in its place, and the timeout must not be forgotten.
                timeouts.append(err)
                raise
            if result.outcome is Outcome.FAILED_RETRYABLE:
                raise _RetryableResult(psp)
            return result


def _authorization(request: AuthorizeRequest, psp_key: str) -> Callable[[PspConnector], Awaitable[PspResult]]:
    """The authorization of `request` at one PSP, under that PSP's own idempotency key."""
    return lambda connector: connector.authorize(dataclasses.replace(request, idempotency_key=psp_key))


def _not_sent(err: DomainError) -> bool:
    """This attempt never reached the PSP (unreachable, or refused by the open circuit)."""
    return err.code is Code.UNAVAILABLE and not isinstance(err, (PspTimeout, _RetryableResult))


def _reason(value: int) -> Reason:
    return reason_of(error_reason_pb2.ErrorReason, value)
