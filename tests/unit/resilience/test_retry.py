"""The retry loop, driven by fake attempts, a fake clock and a sleep that only records."""

import datetime

import grpc
import pytest

from mesh.errors import common
from mesh.resilience import CallPolicy, Deadline, RetryBudget
from mesh.resilience.retry import retrying
from tests.fixtures.resilience import FakeClock, rpc_error


class Attempts:
    """An attempt function that raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0

    async def __call__(self) -> str:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(**overrides) -> CallPolicy:
    settings = {
        "name": "test->payments.GetPaymentIntent",
        "dependency": "payments",
        "timeout": 5.0,
        "idempotent": True,
        "max_attempts": 4,
        "backoff_base": 0.1,
        "backoff_max": 0.4,
    }
    return CallPolicy(**(settings | overrides))


async def run(attempts: Attempts, call_policy: CallPolicy, clock: FakeClock, budget: RetryBudget | None = None):
    budget = budget or RetryBudget(clock=clock)
    deadline = Deadline(clock() + call_policy.timeout, clock)
    return await retrying(call_policy, deadline, budget, clock.sleep)(attempts)


UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


async def test_retry_recovers_from_retryable_failures():
    clock, attempts = FakeClock(), Attempts(rpc_error(UNAVAILABLE), rpc_error(UNAVAILABLE))
    assert await run(attempts, policy(), clock) == "ok"
    assert attempts.count == 3


async def test_retry_backoff_is_full_jitter_under_the_cap():
    clock, attempts = FakeClock(), Attempts(*[rpc_error(UNAVAILABLE)] * 3)
    await run(attempts, policy(), clock)
    assert [0 <= slept <= cap for slept, cap in zip(clock.sleeps, (0.1, 0.2, 0.4), strict=True)] == [True] * 3


async def test_retry_gives_up_after_max_attempts_with_the_last_error():
    clock, attempts = FakeClock(), Attempts(*[rpc_error(UNAVAILABLE)] * 10)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await run(attempts, policy(max_attempts=3), clock)
    assert raised.value.code() is UNAVAILABLE
    assert attempts.count == 3


async def test_retry_skips_non_retryable_codes():
    clock, attempts = FakeClock(), Attempts(rpc_error(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    with pytest.raises(grpc.aio.AioRpcError):
        await run(attempts, policy(), clock)
    assert attempts.count == 1


async def test_retry_never_repeats_a_non_idempotent_call():
    clock, attempts = FakeClock(), Attempts(rpc_error(UNAVAILABLE))
    with pytest.raises(grpc.aio.AioRpcError):
        await run(attempts, policy(idempotent=False), clock)
    assert attempts.count == 1


async def test_retry_waits_at_least_the_servers_retry_info():
    asked = rpc_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED, common.RATE_LIMITED, retry_after=datetime.timedelta(seconds=2)
    )
    clock, attempts = FakeClock(), Attempts(asked)
    assert await run(attempts, policy(), clock) == "ok"
    assert clock.sleeps[0] >= 2.0


async def test_retry_stops_when_the_wait_would_pass_the_deadline():
    asked = rpc_error(UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE, retry_after=datetime.timedelta(seconds=30))
    clock, attempts = FakeClock(), Attempts(asked)
    with pytest.raises(grpc.aio.AioRpcError):
        await run(attempts, policy(), clock)
    assert (attempts.count, clock.sleeps) == (1, [])


async def test_retry_stops_when_no_time_is_left_for_another_attempt():
    clock = FakeClock()

    class SlowAttempts(Attempts):
        async def __call__(self):
            clock.advance(4.999)  # this attempt used up almost all of the 5 s
            return await super().__call__()

    attempts = SlowAttempts(rpc_error(UNAVAILABLE), rpc_error(UNAVAILABLE))
    with pytest.raises(grpc.aio.AioRpcError):
        await run(attempts, policy(backoff_base=0.0, backoff_max=0.0), clock)
    assert attempts.count == 1


async def test_retry_fails_fast_when_the_budget_is_spent():
    clock = FakeClock()
    budget = RetryBudget(capacity=1, ratio=0, min_per_second=0, clock=clock)
    attempts = Attempts(*[rpc_error(UNAVAILABLE)] * 10)
    with pytest.raises(grpc.aio.AioRpcError):
        await run(attempts, policy(max_attempts=10), clock, budget)
    assert attempts.count == 2
