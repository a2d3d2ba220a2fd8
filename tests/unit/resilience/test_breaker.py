"""BreakerRegistry on purgatory: what counts, what opening does, how it recovers."""

import asyncio

import grpc
import pytest

from mesh.errors import Code, DomainError, common
from mesh.resilience import BreakerRegistry, BreakerSettings, BreakerState
from tests.fixtures.resilience import rpc_error
from tests.waiting import eventually

RECOVERY = 0.05


def registry(threshold: int = 2, recovery: float = 30.0) -> BreakerRegistry:
    return BreakerRegistry(BreakerSettings(failure_threshold=threshold, recovery_timeout=recovery))


async def fail_through(breakers: BreakerRegistry, dependency: str, error: BaseException) -> None:
    with pytest.raises(type(error)):
        async with breakers.guard(dependency):
            raise error


async def succeed_through(breakers: BreakerRegistry, dependency: str) -> None:
    async with breakers.guard(dependency):
        pass


async def test_breaker_opens_after_consecutive_dependency_failures():
    breakers = registry(threshold=2)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert breakers.state("payments") is BreakerState.CLOSED
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED))
    assert breakers.state("payments") is BreakerState.OPEN


async def test_breaker_open_fails_fast_with_dependency_unavailable_and_retry_after():
    breakers = registry(threshold=1)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    ran = False
    with pytest.raises(DomainError) as raised:
        async with breakers.guard("payments"):
            ran = True
    assert ran is False
    assert (raised.value.code, raised.value.reason) == (Code.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE)
    assert 0 < raised.value.retry_after.total_seconds() <= 30


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL]
)
async def test_breaker_ignores_failures_that_are_the_callers_problem(code):
    breakers = registry(threshold=1)
    await fail_through(breakers, "payments", rpc_error(code))
    assert breakers.state("payments") is BreakerState.CLOSED


async def test_breaker_counts_consecutive_failures_only():
    breakers = registry(threshold=2)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await succeed_through(breakers, "payments")
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert breakers.state("payments") is BreakerState.CLOSED


async def test_breaker_ignores_cancelled_attempts():
    breakers = registry(threshold=1, recovery=RECOVERY)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await eventually(lambda: breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    await fail_through(breakers, "payments", asyncio.CancelledError())
    assert breakers.state("payments") is BreakerState.HALF_OPEN


async def test_breaker_half_open_closes_on_success():
    breakers = registry(threshold=1, recovery=RECOVERY)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await eventually(lambda: breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    await succeed_through(breakers, "payments")
    assert breakers.state("payments") is BreakerState.CLOSED


async def test_breaker_half_open_reopens_on_failure():
    breakers = registry(threshold=3, recovery=RECOVERY)
    for _ in range(3):
        await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await eventually(lambda: breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert breakers.state("payments") is BreakerState.OPEN


async def test_breakers_are_independent_per_dependency():
    breakers = registry(threshold=1)
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await succeed_through(breakers, "invoicing")
    assert (breakers.state("payments"), breakers.state("invoicing")) == (BreakerState.OPEN, BreakerState.CLOSED)


async def test_breaker_settings_can_differ_per_dependency():
    breakers = BreakerRegistry(
        BreakerSettings(failure_threshold=1), overrides={"invoicing": BreakerSettings(failure_threshold=3)}
    )
    await fail_through(breakers, "invoicing", rpc_error(grpc.StatusCode.UNAVAILABLE))
    assert breakers.state("invoicing") is BreakerState.CLOSED


async def test_breaker_listener_sees_every_transition():
    breakers = registry(threshold=1, recovery=RECOVERY)
    seen = []
    breakers.add_listener(lambda dependency, state: seen.append((dependency, state)))
    await fail_through(breakers, "payments", rpc_error(grpc.StatusCode.UNAVAILABLE))
    await eventually(lambda: breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    await succeed_through(breakers, "payments")
    assert seen == [
        ("payments", BreakerState.OPEN),
        ("payments", BreakerState.HALF_OPEN),
        ("payments", BreakerState.CLOSED),
    ]


async def test_unknown_dependency_is_closed():
    assert registry().state("never-called") is BreakerState.CLOSED
