"""Retry budgets: a cap on the extra load retries and hedges put on a dependency.

Retries multiply traffic exactly when a dependency is struggling. A budget per dependency lets
retries add at most `ratio` (about 20 %) on top of first attempts: every first attempt deposits
`ratio` tokens, every retry or hedge withdraws one, and an empty bucket means fail fast. A small
trickle of `min_per_second` tokens keeps a quiet dependency retryable at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["RetryBudget", "RetryBudgets"]

# Five deposits of 0.2 add up to 0.999…: tolerate float rounding when paying a whole token.
_ROUNDING = 1e-9


class RetryBudget:
    """A token bucket of retries for one dependency. Not thread-safe; one event loop owns it."""

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        min_per_second: float = 1.0,
        capacity: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ratio < 0 or min_per_second < 0 or capacity < 1:
            raise ValueError("a retry budget needs ratio >= 0, min_per_second >= 0 and capacity >= 1")
        self.ratio = ratio
        self.min_per_second = min_per_second
        self.capacity = capacity
        self._clock = clock
        self._balance = capacity  # a new process may retry a burst before it has traffic
        self._refilled_at = clock()

    @property
    def balance(self) -> float:
        """Tokens available now: each one pays for one retry or hedge."""
        self._refill()
        return self._balance

    def record_request(self) -> None:
        """A first attempt went out: it earns `ratio` of a retry."""
        self._refill()
        self._balance = min(self.capacity, self._balance + self.ratio)

    def try_withdraw(self) -> bool:
        """Pay for one retry or hedge; False (and no charge) when the budget is spent."""
        self._refill()
        if self._balance < 1 - _ROUNDING:
            return False
        self._balance = max(0.0, self._balance - 1)
        return True

    def _refill(self) -> None:
        now = self._clock()
        earned = max(0.0, now - self._refilled_at) * self.min_per_second
        self._balance = min(self.capacity, self._balance + earned)
        self._refilled_at = now


class RetryBudgets:
    """One RetryBudget per dependency, created on first use with shared settings."""

    def __init__(self, factory: Callable[[], RetryBudget] = RetryBudget) -> None:
        self._factory = factory
        self._budgets: dict[str, RetryBudget] = {}

    def for_dependency(self, dependency: str) -> RetryBudget:
        budget = self._budgets.get(dependency)
        if budget is None:
            budget = self._budgets[dependency] = self._factory()
        return budget
