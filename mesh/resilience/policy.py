"""CallPolicy: how one call site talks to one dependency.

Every outbound call names its policy next to the code that makes it, so a reader sees the
deadline, the retries, the hedging and the degradation path where the call is written. The
policy is checked when it is built: a call without a deadline, or a retried or hedged call that
the caller has not declared idempotent, never reaches the network.
"""

from __future__ import annotations

import dataclasses
import math

import grpc

__all__ = [
    "DEFAULT_RETRYABLE_CODES",
    "DEPENDENCY_FAILURE_CODES",
    "CallPolicy",
]

# Codes that say "the dependency could not serve this now", whatever was asked: they count
# against its circuit breaker and may trigger the call site's degradation path. A NOT_FOUND or
# an INVALID_ARGUMENT is an answer about the request, so it proves the dependency is up.
DEPENDENCY_FAILURE_CODES: frozenset[grpc.StatusCode] = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    }
)

# Safe to retry for any idempotent call: the server did not do the work, or asked us to slow down.
DEFAULT_RETRYABLE_CODES: frozenset[grpc.StatusCode] = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


@dataclasses.dataclass(frozen=True)
class CallPolicy:
    """The resilience settings of one call site.

    name: the call site, e.g. "checkout->payments.AuthorizePaymentIntent" (for logs and metrics).
    dependency: the service called; the key of its circuit breaker and retry budget.
    timeout: seconds the whole call may take, retries included; the incoming call's remaining
        time shortens it further. Required: no call leaves without a deadline.
    idempotent: the caller's statement that repeating the call is harmless (a read, or a mutation
        carrying a request_id). Only idempotent calls are retried or hedged.
    max_attempts: attempts in all, first included (idempotent calls only; others make one).
    backoff_base, backoff_max: the full-jitter window before retry n is
        uniform(0, min(backoff_max, backoff_base * 2 ** (n - 1))) seconds.
    retryable_codes: codes worth another attempt. Defaults to UNAVAILABLE and RESOURCE_EXHAUSTED,
        plus DEADLINE_EXCEEDED for idempotent calls (a call that timed out may have run).
    hedge_after: for idempotent reads: seconds without an answer before a second attempt races
        the first. A hedged mutation would only meet its own request_id still running.
    degradation: the name of the fallback path taken when the dependency fails, e.g.
        "serve-cached-prices"; the call site supplies the fallback itself.
    min_attempt_time: the least remaining time worth starting an attempt with.
    """

    name: str
    dependency: str
    timeout: float
    idempotent: bool
    max_attempts: int = 3
    backoff_base: float = 0.05
    backoff_max: float = 1.0
    retryable_codes: frozenset[grpc.StatusCode] | None = None
    hedge_after: float | None = None
    degradation: str | None = None
    min_attempt_time: float = 0.005

    def __post_init__(self) -> None:
        if self.retryable_codes is None:
            retryable_codes = self._default_retryable_codes()
        else:
            retryable_codes = frozenset(self.retryable_codes)
        object.__setattr__(self, "retryable_codes", retryable_codes)
        for problem in self._problems(retryable_codes):
            raise ValueError(f"CallPolicy {self.name!r}: {problem}")

    @property
    def attempt_limit(self) -> int:
        """Attempts this call may make: one unless the caller declared it idempotent."""
        return self.max_attempts if self.idempotent else 1

    def _default_retryable_codes(self) -> frozenset[grpc.StatusCode]:
        if self.idempotent:
            return DEFAULT_RETRYABLE_CODES | {grpc.StatusCode.DEADLINE_EXCEEDED}
        return DEFAULT_RETRYABLE_CODES

    def _problems(self, retryable_codes: frozenset[grpc.StatusCode]) -> list[str]:
        problems = []
        if not self.name or not self.dependency:
            problems.append("name and dependency are required")
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            problems.append("timeout must be a positive number of seconds")
        if self.max_attempts < 1:
            problems.append("max_attempts must be at least 1")
        if not 0 <= self.backoff_base <= self.backoff_max:
            problems.append("backoff must satisfy 0 <= backoff_base <= backoff_max")
        if not 0 < self.min_attempt_time < self.timeout:
            problems.append("min_attempt_time must be positive and below timeout")
        if not self.idempotent and grpc.StatusCode.DEADLINE_EXCEEDED in retryable_codes:
            problems.append("DEADLINE_EXCEEDED is retryable only for idempotent calls")
        problems.extend(self._hedging_problems())
        return problems

    def _hedging_problems(self) -> list[str]:
        if self.hedge_after is None:
            return []
        if not self.idempotent:
            return ["hedging is only for idempotent calls"]
        if not 0 < self.hedge_after < self.timeout:
            return ["hedge_after must be positive and below timeout"]
        return []
