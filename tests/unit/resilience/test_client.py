"""ResilientClient wiring with a fake stub method: translation, fallbacks, breaker, hedging."""

import grpc
import pytest

from mesh.errors import Code, DomainError, common
from mesh.resilience import BreakerRegistry, BreakerSettings, CallPolicy, ResilientClient
from tests.fixtures.resilience import FakeClock, rpc_error


class FakeMethod:
    """Stands in for a grpc.aio stub method: raises the queued errors, then echoes the request."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[dict] = []

    async def __call__(self, request, *, timeout, metadata):
        self.calls.append({"timeout": timeout, "metadata": metadata})
        if self.errors:
            raise self.errors.pop(0)
        return f"answer to {request}"


def policy(**overrides) -> CallPolicy:
    settings = {"name": "test->pricing.GetPrice", "dependency": "pricing", "timeout": 2.0, "idempotent": True}
    return CallPolicy(**(settings | overrides))


def client(threshold: int = 5) -> ResilientClient:
    clock = FakeClock()
    return ResilientClient(
        breakers=BreakerRegistry(BreakerSettings(failure_threshold=threshold)), clock=clock, sleep=clock.sleep
    )


async def cached_price(request, error):
    return f"cached answer to {request}"


async def test_call_passes_the_deadline_as_timeout():
    method = FakeMethod()
    assert await client().wrap(policy(), method)("sku-1") == "answer to sku-1"
    assert method.calls[0]["timeout"] == 2.0


async def test_final_failure_is_a_status_error_with_the_servers_reason():
    method = FakeMethod(rpc_error(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    with pytest.raises(DomainError) as raised:
        await client().wrap(policy(), method)("sku-1")
    assert (raised.value.code, raised.value.reason.name) == (Code.NOT_FOUND, "NOT_FOUND")
    assert isinstance(raised.value.__cause__, grpc.aio.AioRpcError)


async def test_fallback_answers_when_the_dependency_fails():
    method = FakeMethod(*[rpc_error(grpc.StatusCode.UNAVAILABLE)] * 3)
    call = client().wrap(policy(degradation="serve-cached-price"), method, fallback=cached_price)
    assert await call("sku-1") == "cached answer to sku-1"
    assert len(method.calls) == 3


async def test_fallback_answers_when_the_breaker_is_open():
    resilient = client(threshold=1)
    method = FakeMethod(rpc_error(grpc.StatusCode.UNAVAILABLE))
    await resilient.wrap(policy(idempotent=False, degradation="serve-cached-price"), method, fallback=cached_price)(
        "sku-1"
    )
    call = resilient.wrap(policy(degradation="serve-cached-price"), method, fallback=cached_price)
    assert await call("sku-2") == "cached answer to sku-2"
    assert len(method.calls) == 1


async def test_fallback_is_not_used_for_the_callers_own_mistakes():
    method = FakeMethod(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, common.VALIDATION_FAILED))
    call = client().wrap(policy(degradation="serve-cached-price"), method, fallback=cached_price)
    with pytest.raises(DomainError) as raised:
        await call("sku-1")
    assert raised.value.reason.name == "VALIDATION_FAILED"


async def test_breaker_open_without_fallback_raises_dependency_unavailable():
    resilient = client(threshold=1)
    method = FakeMethod(rpc_error(grpc.StatusCode.UNAVAILABLE))
    call = resilient.wrap(policy(idempotent=False), method)
    with pytest.raises(DomainError):
        await call("sku-1")
    with pytest.raises(DomainError) as raised:
        await call("sku-1")
    assert raised.value.reason == common.DEPENDENCY_UNAVAILABLE
    assert len(method.calls) == 1


@pytest.mark.parametrize("overrides, fallback", [({"degradation": "serve-cached-price"}, None), ({}, cached_price)])
def test_wrap_refuses_a_fallback_without_a_named_degradation_and_vice_versa(overrides, fallback):
    with pytest.raises(ValueError, match="degradation"):
        client().wrap(policy(**overrides), FakeMethod(), fallback=fallback)
