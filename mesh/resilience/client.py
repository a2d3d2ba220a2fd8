"""ResilientClient: outbound unary calls with deadlines, retries, breakers, hedging, fallbacks.

One ResilientClient per process holds what call sites share per dependency (circuit breakers,
retry budgets). `wrap(policy, stub.Method)` gives a call site its resilient method:

    authorize = client.wrap(AUTHORIZE_POLICY, payments.AuthorizePaymentIntent)
    response = await authorize(request, metadata=(("idempotency-key", request.request_id),))

Each call: deadline from the policy and the incoming call → retry loop (tenacity) → optional
hedge → circuit breaker → the stub, with tenant and caller metadata. A final failure is raised
as a DomainError: the server's, every detail kept, or our own for an open breaker or a spent
deadline. When the call site names a degradation path, a dependency failure (see
DEPENDENCY_FAILURE_CODES) returns the fallback's answer instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

import grpc

from mesh.errors import DomainError
from mesh.grpc_codes import to_grpc
from mesh.resilience.breaker import BreakerRegistry
from mesh.resilience.budget import RetryBudget, RetryBudgets
from mesh.resilience.hedge import hedged
from mesh.resilience.policy import DEPENDENCY_FAILURE_CODES, CallPolicy
from mesh.resilience.propagation import Deadline, Metadata, outbound_deadline, outbound_metadata
from mesh.resilience.retry import retrying
from mesh.resilience.rpc_errors import domain_error_of

__all__ = ["Fallback", "ResilientClient", "ResilientMethod", "UnaryMethod"]

RequestT = TypeVar("RequestT")
ResponseT = TypeVar("ResponseT")
_RequestT_contra = TypeVar("_RequestT_contra", contravariant=True)
_ResponseT_co = TypeVar("_ResponseT_co", covariant=True)

# fallback(request, error) -> the degraded answer; error is the DomainError the call failed with.
Fallback = Callable[[RequestT, DomainError], Awaitable[ResponseT]]


class UnaryMethod(Protocol[_RequestT_contra, _ResponseT_co]):
    """What a call site wraps: a stub's method (a grpc.aio.UnaryUnaryMultiCallable), or a
    coroutine function called like one (a dependency that is not reached over gRPC)."""

    def __call__(
        self, request: _RequestT_contra, *, timeout: float, metadata: Metadata
    ) -> Awaitable[_ResponseT_co]: ...


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
        method: UnaryMethod[RequestT, ResponseT],
        *,
        fallback: Fallback[RequestT, ResponseT] | None = None,
    ) -> ResilientMethod[RequestT, ResponseT]:
        """The resilient form of a stub method; `fallback` is required iff policy.degradation is set."""
        if (fallback is None) != (policy.degradation is None):
            raise ValueError(f"{policy.name}: a fallback needs a named degradation path, and vice versa")
        return ResilientMethod(
            policy,
            method,
            fallback,
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
        method: UnaryMethod[RequestT, ResponseT],
        fallback: Fallback[RequestT, ResponseT] | None,
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
            failure = domain_error_of(error)
            cause: Exception = error
        except DomainError as error:
            failure = cause = error
        return await self._degrade(request, failure, cause)

    async def _call(self, request: RequestT, deadline: Deadline, metadata: Metadata) -> ResponseT:
        self._budget.record_request()
        loop = retrying(self.policy, deadline, self._budget, self._sleep)
        hedge_after = self.policy.hedge_after
        if hedge_after is None:
            return await loop(self._attempt, request, deadline, metadata)
        return await loop(self._hedged_attempt, request, deadline, metadata, hedge_after)

    async def _hedged_attempt(
        self, request: RequestT, deadline: Deadline, metadata: Metadata, hedge_after: float
    ) -> ResponseT:
        def may_hedge() -> bool:
            return deadline.remaining() >= self.policy.min_attempt_time and self._budget.try_withdraw()

        return await hedged(lambda: self._attempt(request, deadline, metadata), hedge_after, may_hedge)

    async def _attempt(self, request: RequestT, deadline: Deadline, metadata: Metadata) -> ResponseT:
        async with self._breakers.guard(self.policy.dependency):
            return await self._method(request, timeout=deadline.remaining(), metadata=metadata)

    async def _degrade(self, request: RequestT, failure: DomainError, cause: Exception) -> ResponseT:
        """The fallback's answer for a dependency failure; any other failure is raised."""
        code = to_grpc(failure.code)
        if self._fallback is None or code not in DEPENDENCY_FAILURE_CODES:
            if failure is cause:
                raise failure
            raise failure from cause
        _log.warning("call site %s degraded to %s after %s", self.policy.name, self.policy.degradation, code.name)
        return await self._fallback(request, failure)
