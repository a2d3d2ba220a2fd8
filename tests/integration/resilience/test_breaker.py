"""Circuit breaking against a real grpc.aio PaymentService."""

import grpc
import pytest

from commerce.payments.v1 import payment_service_pb2
from mesh.errors import Code, DomainError, common
from mesh.resilience import BreakerRegistry, BreakerSettings, BreakerState, CallPolicy, ResilientClient
from tests.fixtures.resilience import fail, succeed
from tests.waiting import eventually

POLICY = CallPolicy(
    name="checkout->payments.GetPaymentIntent", dependency="payments", timeout=5.0, idempotent=True, max_attempts=1
)


def resilient_client(recovery: float = 30.0) -> ResilientClient:
    return ResilientClient(breakers=BreakerRegistry(BreakerSettings(failure_threshold=2, recovery_timeout=recovery)))


async def call_failing(get_intent, intent_name: str, error_type: type[Exception] = DomainError) -> Exception:
    with pytest.raises(error_type) as raised:
        await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    return raised.value


async def test_breaker_opens_and_fails_fast_without_calling_the_server(scripted_payments, intent_name):
    scripted_payments.servicer.default = fail(grpc.StatusCode.UNAVAILABLE)
    client = resilient_client()
    get_intent = client.wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    for _ in range(2):
        await call_failing(get_intent, intent_name)
    assert client.breakers.state("payments") is BreakerState.OPEN
    rejected = await call_failing(get_intent, intent_name, DomainError)
    assert (rejected.code, rejected.reason) == (Code.UNAVAILABLE, common.DEPENDENCY_UNAVAILABLE)
    assert rejected.retry_after.total_seconds() > 0
    assert len(scripted_payments.servicer.calls) == 2


async def test_breaker_half_opens_after_recovery_and_closes_on_success(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(grpc.StatusCode.UNAVAILABLE), fail(grpc.StatusCode.UNAVAILABLE))
    client = resilient_client(recovery=0.05)
    get_intent = client.wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    for _ in range(2):
        await call_failing(get_intent, intent_name)
    await eventually(lambda: client.breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    response = await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    assert response.payment_intent.name == intent_name
    assert client.breakers.state("payments") is BreakerState.CLOSED
    assert len(scripted_payments.servicer.calls) == 3


async def test_breaker_half_open_reopens_when_the_dependency_still_fails(scripted_payments, intent_name):
    scripted_payments.servicer.default = fail(grpc.StatusCode.UNAVAILABLE)
    client = resilient_client(recovery=0.05)
    get_intent = client.wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    for _ in range(2):
        await call_failing(get_intent, intent_name)
    await eventually(lambda: client.breakers.state("payments") is BreakerState.HALF_OPEN, "the breaker half-opening")
    await call_failing(get_intent, intent_name)
    assert client.breakers.state("payments") is BreakerState.OPEN


async def test_breaker_stays_closed_for_not_found_answers(scripted_payments, intent_name):
    scripted_payments.servicer.default = fail(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND)
    client = resilient_client()
    get_intent = client.wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    for _ in range(4):
        await call_failing(get_intent, intent_name)
    assert client.breakers.state("payments") is BreakerState.CLOSED
    assert len(scripted_payments.servicer.calls) == 4


async def test_breaker_open_stops_a_retry_loop(scripted_payments, intent_name):
    scripted_payments.servicer.default = fail(grpc.StatusCode.UNAVAILABLE)
    client = resilient_client()
    policy = CallPolicy(
        name="checkout->payments.GetPaymentIntent",
        dependency="payments",
        timeout=5.0,
        idempotent=True,
        max_attempts=10,
        backoff_base=0.001,
        backoff_max=0.002,
    )
    await call_failing(client.wrap(policy, scripted_payments.stub.GetPaymentIntent), intent_name, DomainError)
    assert len(scripted_payments.servicer.calls) == 2


async def test_breaker_open_serves_the_named_degradation(scripted_payments, intent_name):
    scripted_payments.servicer.then(succeed())
    scripted_payments.servicer.default = fail(grpc.StatusCode.UNAVAILABLE)
    client = resilient_client()
    degraded = CallPolicy(
        name="checkout->payments.GetPaymentIntent",
        dependency="payments",
        timeout=5.0,
        idempotent=True,
        max_attempts=1,
        degradation="unknown-intent-state",
    )

    async def unknown_state(request, error):
        return payment_service_pb2.GetPaymentIntentResponse()

    get_intent = client.wrap(degraded, scripted_payments.stub.GetPaymentIntent, fallback=unknown_state)
    answers = [await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name)) for _ in range(5)]
    assert [answer.payment_intent.name for answer in answers] == [intent_name, "", "", "", ""]
    assert len(scripted_payments.servicer.calls) == 3
