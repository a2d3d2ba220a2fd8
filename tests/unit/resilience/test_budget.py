"""RetryBudget: retries may add about `ratio` of first attempts, plus a small trickle."""

import pytest

from mesh.resilience import RetryBudget, RetryBudgets
from tests.fixtures.resilience import FakeClock


def drain(budget: RetryBudget) -> int:
    withdrawn = 0
    while budget.try_withdraw():
        withdrawn += 1
    return withdrawn


def test_budget_starts_full_and_refuses_once_spent():
    budget = RetryBudget(capacity=3, min_per_second=0, clock=FakeClock())
    assert drain(budget) == 3
    assert budget.try_withdraw() is False


def test_budget_refusal_does_not_charge():
    budget = RetryBudget(ratio=0.5, capacity=3, min_per_second=0, clock=FakeClock())
    drain(budget)
    budget.record_request()
    assert budget.try_withdraw() is False
    budget.record_request()
    assert budget.try_withdraw() is True


def test_budget_earns_one_retry_per_five_first_attempts_at_twenty_percent():
    budget = RetryBudget(ratio=0.2, capacity=10, min_per_second=0, clock=FakeClock())
    drain(budget)
    for _ in range(50):
        budget.record_request()
    assert drain(budget) == 10


def test_budget_trickles_min_per_second_over_time():
    clock = FakeClock()
    budget = RetryBudget(ratio=0, min_per_second=2, capacity=10, clock=clock)
    drain(budget)
    clock.advance(1.5)
    assert drain(budget) == 3


def test_budget_never_exceeds_capacity():
    clock = FakeClock()
    budget = RetryBudget(min_per_second=1, capacity=4, clock=clock)
    clock.advance(3600)
    for _ in range(100):
        budget.record_request()
    assert budget.balance == 4


def test_budget_with_impossible_settings_is_refused():
    with pytest.raises(ValueError):
        RetryBudget(capacity=0.5)


def test_budgets_are_one_per_dependency():
    budgets = RetryBudgets(lambda: RetryBudget(capacity=1, min_per_second=0))
    assert budgets.for_dependency("payments") is budgets.for_dependency("payments")
    assert budgets.for_dependency("payments").try_withdraw() is True
    assert budgets.for_dependency("invoicing").try_withdraw() is True
