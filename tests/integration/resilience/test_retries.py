"""Retries against a real grpc.aio PaymentService that fails on cue."""

import datetime
import uuid

import grpc
import pytest

from commerce.payments.v1 import payment_service_pb2
from mesh.errors import Code, DomainError, common
from mesh.resilience import CallPolicy, ResilientClient, RetryBudget, RetryBudgets
from tests.fixtures.resilience import FakeClock, fail

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


def read_policy(**overrides) -> CallPolicy:
    settings = {
        "name": "checkout->payments.GetPaymentIntent",
        "dependency": "payments",
        "timeout": 10.0,
        "idempotent": True,
        "max_attempts": 5,
        "backoff_base": 0.001,
        "backoff_max": 0.005,
    }
    return CallPolicy(**(settings | overrides))


def get_request(intent_name: str) -> payment_service_pb2.GetPaymentIntentRequest:
    return payment_service_pb2.GetPaymentIntentRequest(name=intent_name)


async def test_flaky_dependency_is_retried_until_it_answers(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(UNAVAILABLE), fail(UNAVAILABLE))
    get_intent = ResilientClient().wrap(read_policy(), scripted_payments.stub.GetPaymentIntent)
    response = await get_intent(get_request(intent_name))
    assert response.payment_intent.name == intent_name
    assert len(scripted_payments.servicer.calls) == 3


async def test_not_found_is_not_retried_and_keeps_its_reason(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    get_intent = ResilientClient().wrap(read_policy(), scripted_payments.stub.GetPaymentIntent)
    with pytest.raises(DomainError) as raised:
        await get_intent(get_request(intent_name))
    assert (raised.value.code, raised.value.reason.name) == (Code.NOT_FOUND, "NOT_FOUND")
    assert len(scripted_payments.servicer.calls) == 1


async def test_spent_retry_budget_stops_retries(scripted_payments, intent_name):
    scripted_payments.servicer.default = fail(UNAVAILABLE)
    budgets = RetryBudgets(lambda: RetryBudget(capacity=1, ratio=0, min_per_second=0))
    get_intent = ResilientClient(budgets=budgets).wrap(read_policy(), scripted_payments.stub.GetPaymentIntent)
    for _ in range(2):
        with pytest.raises(DomainError):
            await get_intent(get_request(intent_name))
    # One token: the first call retries once, the second call fails fast after its first attempt.
    assert len(scripted_payments.servicer.calls) == 3


async def test_non_idempotent_call_is_never_retried(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(UNAVAILABLE))
    authorize = ResilientClient().wrap(
        read_policy(name="checkout->payments.AuthorizePaymentIntent", idempotent=False),
        scripted_payments.stub.AuthorizePaymentIntent,
    )
    request = payment_service_pb2.AuthorizePaymentIntentRequest(name=intent_name, request_id=str(uuid.uuid4()))
    with pytest.raises(DomainError) as raised:
        await authorize(request)
    assert raised.value.code is Code.UNAVAILABLE
    assert len(scripted_payments.servicer.calls) == 1


async def test_idempotent_mutation_is_retried_with_its_idempotency_key(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(UNAVAILABLE))
    authorize = ResilientClient().wrap(
        read_policy(name="checkout->payments.AuthorizePaymentIntent"), scripted_payments.stub.AuthorizePaymentIntent
    )
    request_id = str(uuid.uuid4())
    request = payment_service_pb2.AuthorizePaymentIntentRequest(name=intent_name, request_id=request_id)
    await authorize(request, metadata=(("idempotency-key", request_id),))
    assert [call.metadata["idempotency-key"] for call in scripted_payments.servicer.calls] == [request_id] * 2


async def test_retry_waits_as_long_as_the_server_asks(scripted_payments, intent_name):
    clock = FakeClock()
    scripted_payments.servicer.then(
        fail(grpc.StatusCode.RESOURCE_EXHAUSTED, common.RATE_LIMITED, retry_after=datetime.timedelta(seconds=3))
    )
    get_intent = ResilientClient(sleep=clock.sleep).wrap(read_policy(), scripted_payments.stub.GetPaymentIntent)
    await get_intent(get_request(intent_name))
    assert clock.sleeps[0] >= 3.0
    assert len(scripted_payments.servicer.calls) == 2
