"""ResilientClient: outbound unary calls with deadlines, retries, breakers, hedging, fallbacks.

One ResilientClient per process holds what call sites share per dependency (circuit breakers,
retry budgets). `wrap(policy, stub.Method)` gives a call site its resilient method:

    authorize = client.wrap(AUTHORIZE_POLICY, payments.AuthorizePaymentIntent)
    response = await authorize(request, metadata=(("idempotency-key", request.request_id),))

Each call: deadline from the policy and the incoming call → retry loop (tenacity) → optional
hedge → circuit breaker → the stub, with tenant and caller metadata. A final gRPC failure is
raised as StatusError with the server's details; an open breaker or a spent deadline as
DomainError. When the call site names a degradation path, a dependency failure (see
DEPENDENCY_FAILURE_CODES) returns the fallback's answer instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import grpc

from mesh.errors import DomainError, StatusError
from mesh.resilience.breaker import BreakerRegistry
from mesh.resilience.budget import RetryBudget, RetryBudgets
from mesh.resilience.hedge import hedged
from mesh.resilience.policy import DEPENDENCY_FAILURE_CODES, CallPolicy
from mesh.resilience.propagation import Deadline, Metadata, outbound_deadline, outbound_metadata
from mesh.resilience.retry import retrying
from mesh.resilience.rpc_errors import status_error_of

__all__ = ["Fallback", "ResilientClient", "ResilientMethod"]

RequestT = TypeVar("RequestT")
ResponseT = TypeVar("ResponseT")

# fallback(request, error) -> the degraded answer; error is the StatusError or DomainError.
Fallback = Callable[[RequestT, Exception], Awaitable[ResponseT]]

_log = logging.getLogger(__name__)


class ResilientClient:
    """The per-dependency state every call site of one process shares."""

    def __init__(
        self,
        *,
        breakers: BreakerRegistry | None = None,
        budgets: RetryBudgets | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.breakers = breakers if breakers is not None else BreakerRegistry()
        self.budgets = budgets if budgets is not None else RetryBudgets()
        self._clock = clock
        self._sleep = sleep

    def wrap(
        self,
        policy: CallPolicy,
        method: grpc.aio.UnaryUnaryMultiCallable,
        *,
        fallback: Fallback | None = None,
    ) -> ResilientMethod:
        """The resilient form of a stub method; `fallback` is required iff policy.degradation is set."""
        if (fallback is None) != (policy.degradation is None):
            raise ValueError(f"{policy.name}: a fallback needs a named degradation path, and vice versa")
        return ResilientMethod(
            policy, method, fallback,
            breakers=self.breakers,
            budget=self.budgets.for_dependency(policy.dependency),
            clock=self._clock,
            sleep=self._sleep,
        )


class ResilientMethod(Generic[RequestT, ResponseT]):
    """One call site: a stub method under its CallPolicy. Call it like the stub method."""

    def __init__(
        self,
        policy: CallPolicy,
        method: grpc.aio.UnaryUnaryMultiCallable,
        fallback: Fallback | None,
        *,
        breakers: BreakerRegistry,
        budget: RetryBudget,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.policy = policy
        self._method = method
        self._fallback = fallback
        self._breakers = breakers
        self._budget = budget
        self._clock = clock
        self._sleep = sleep

    async def __call__(self, request: RequestT, *, metadata: Sequence[tuple[str, str]] = ()) -> ResponseT:
        """Call the dependency; `metadata` adds the caller's own headers (idempotency keys)."""
        try:
            deadline = outbound_deadline(self.policy, self._clock)
            return await self._call(request, deadline, outbound_metadata(metadata))
        except grpc.aio.AioRpcError as error:
            failure: Exception = status_error_of(error)
            cause: Exception = error
        except DomainError as error:
            failure = cause = error
        return await self._degrade(request, failure, cause)

    async def _call(self, request: RequestT, deadline: Deadline, metadata: Metadata) -> ResponseT:
        self._budget.record_request()
        loop = retrying(self.policy, deadline, self._budget, self._sleep)
        if self.policy.hedge_after is None:
            return await loop(self._attempt, request, deadline, metadata)
        return await loop(self._hedged_attempt, request, deadline, metadata)

    async def _hedged_attempt(self, request: RequestT, deadline: Deadline, metadata: Metadata) -> ResponseT:
        def may_hedge() -> bool:
            return deadline.remaining() >= self.policy.min_attempt_time and self._budget.try_withdraw()

        return await hedged(lambda: self._attempt(request, deadline, metadata), self.policy.hedge_after, may_hedge)

    async def _attempt(self, request: RequestT, deadline: Deadline, metadata: Metadata) -> ResponseT:
        async with self._breakers.guard(self.policy.dependency):
            return await self._method(request, timeout=deadline.remaining(), metadata=metadata)

    async def _degrade(self, request: RequestT, failure: Exception, cause: Exception) -> ResponseT:
        """The fallback's answer for a dependency failure; any other failure is raised."""
        code = _code(failure)
        if self._fallback is None or code not in DEPENDENCY_FAILURE_CODES:
            if failure is cause:
                raise failure
            raise failure from cause
        _log.warning("call site %s degraded to %s after %s", self.policy.name, self.policy.degradation, code.name)
        return await self._fallback(request, failure)


def _code(failure: Exception) -> grpc.StatusCode | None:
    if isinstance(failure, (StatusError, DomainError)):
        return failure.code
    return None
