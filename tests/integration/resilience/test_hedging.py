"""Hedged reads against a real grpc.aio PaymentService."""

import asyncio

from commerce.payments.v1 import payment_service_pb2
from mesh.resilience import CallPolicy, ResilientClient, RetryBudget, RetryBudgets
from tests.fixtures.resilience import hang, held_until, succeed


def hedged_policy() -> CallPolicy:
    # A long deadline, so only the hedge's cancellation (not the deadline) can end a hung first attempt.
    return CallPolicy(
        name="checkout->payments.GetPaymentIntent",
        dependency="payments",
        timeout=60.0,
        idempotent=True,
        max_attempts=1,
        hedge_after=0.02,
    )


async def test_hedge_answers_from_the_second_attempt_and_cancels_the_slow_first(scripted_payments, intent_name):
    scripted_payments.servicer.then(hang(), succeed())
    get_intent = ResilientClient().wrap(hedged_policy(), scripted_payments.stub.GetPaymentIntent)
    async with asyncio.timeout(5):
        response = await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
        first, second = scripted_payments.servicer.calls
        await first.cancelled.wait()
    assert response.payment_intent.name == intent_name
    assert not second.cancelled.is_set()


async def test_hedge_is_paid_from_the_retry_budget(scripted_payments, intent_name):
    scripted_payments.servicer.then(hang(), succeed())
    budgets = RetryBudgets(lambda: RetryBudget(capacity=1, ratio=0, min_per_second=0))
    get_intent = ResilientClient(budgets=budgets).wrap(hedged_policy(), scripted_payments.stub.GetPaymentIntent)
    async with asyncio.timeout(5):
        await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    assert budgets.for_dependency("payments").balance == 0


class WatchedBudget(RetryBudget):
    """A RetryBudget that reports when a retry or hedge asks it to pay."""

    def __init__(self, **settings) -> None:
        super().__init__(**settings)
        self.asked = asyncio.Event()

    def try_withdraw(self) -> bool:
        self.asked.set()
        return super().try_withdraw()


async def test_hedge_is_not_sent_when_the_budget_is_spent(scripted_payments, intent_name):
    released = asyncio.Event()
    scripted_payments.servicer.then(held_until(released))
    budget = WatchedBudget(capacity=1, ratio=0, min_per_second=0)
    budget.try_withdraw()
    budget.asked.clear()
    get_intent = ResilientClient(budgets=RetryBudgets(lambda: budget)).wrap(
        hedged_policy(), scripted_payments.stub.GetPaymentIntent
    )
    call = asyncio.ensure_future(get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name)))
    async with asyncio.timeout(5):
        await budget.asked.wait()
    released.set()
    assert (await call).payment_intent.name == intent_name
    assert len(scripted_payments.servicer.calls) == 1
