"""The retry loop of one outbound call, on tenacity.

An attempt is retried only when all of these hold: its code is in the policy's retryable codes,
the call is idempotent and has attempts left, the deadline still fits the backoff plus another
attempt, and the dependency's retry budget pays for it. The wait is exponential backoff with full
jitter, stretched to at least the server's google.rpc.RetryInfo delay when it sent one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import tenacity

from mesh.resilience.budget import RetryBudget
from mesh.resilience.policy import CallPolicy
from mesh.resilience.propagation import Deadline
from mesh.resilience.rpc_errors import code_of, retry_delay_of

__all__ = ["retrying"]


def retrying(
    policy: CallPolicy,
    deadline: Deadline,
    budget: RetryBudget,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tenacity.AsyncRetrying:
    """A tenacity loop for one call; it re-raises the last attempt's error when it gives up."""
    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(lambda error: code_of(error) in policy.retryable_codes),
        wait=_backoff(policy),
        stop=_stop(policy, deadline, budget),
        sleep=sleep,
        reraise=True,
    )


def _backoff(policy: CallPolicy) -> Callable[[tenacity.RetryCallState], float]:
    jittered = tenacity.wait_random_exponential(multiplier=policy.backoff_base, max=policy.backoff_max)

    def wait(state: tenacity.RetryCallState) -> float:
        asked = retry_delay_of(state.outcome.exception()) or 0.0
        return max(jittered(state), asked)

    return wait


def _stop(policy: CallPolicy, deadline: Deadline, budget: RetryBudget) -> Callable[[tenacity.RetryCallState], bool]:
    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= policy.attempt_limit:
            return True
        # tenacity computes the wait before asking us, so the next attempt's start is known.
        if deadline.remaining() - state.upcoming_sleep < policy.min_attempt_time:
            return True
        # Charged last: a retry that would not happen anyway costs nothing.
        return not budget.try_withdraw()

    return stop
