"""The retry loop keyed on exception types (retrying_on), driven by fake attempts and a sleep that only records."""

from __future__ import annotations

import pytest

from mesh.resilience import retry
from mesh.resilience.retry import retrying_on
from tests.fixtures.resilience import FakeClock


class Unreachable(Exception):
    pass


class Refused(Exception):
    pass


class Attempts:
    """An attempt function that raises the given errors in turn, then returns its arguments."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0

    async def __call__(self, *args: object) -> tuple[object, ...]:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return args


async def run(attempts: Attempts, clock: FakeClock, *, limit: int = 3) -> tuple[object, ...]:
    loop = retrying_on((Unreachable,), attempts=limit, backoff_base=0.1, backoff_max=0.4, sleep=clock.sleep)
    return await loop(attempts, "psp", 7)


async def test_a_listed_failure_is_retried_and_the_arguments_reach_every_attempt() -> None:
    clock, attempts = FakeClock(), Attempts(Unreachable(), Unreachable())

    assert await run(attempts, clock) == ("psp", 7)
    assert attempts.count == 3


async def test_it_gives_up_after_its_attempts_with_the_last_error() -> None:
    last = Unreachable("third")
    clock, attempts = FakeClock(), Attempts(Unreachable("first"), Unreachable("second"), last, Unreachable())

    with pytest.raises(Unreachable) as raised:
        await run(attempts, clock)

    assert raised.value is last
    assert (attempts.count, len(clock.sleeps)) == (3, 2)


async def test_an_unlisted_failure_is_raised_at_once() -> None:
    clock, attempts = FakeClock(), Attempts(Refused())

    with pytest.raises(Refused):
        await run(attempts, clock)

    assert (attempts.count, clock.sleeps) == (1, [])


async def test_one_attempt_means_no_retry() -> None:
    clock, attempts = FakeClock(), Attempts(Unreachable())

    with pytest.raises(Unreachable):
        await run(attempts, clock, limit=1)

    assert attempts.count == 1


async def test_the_backoff_is_full_jitter_under_the_cap() -> None:
    clock, attempts = FakeClock(), Attempts(*[Unreachable()] * 4)

    await run(attempts, clock, limit=5)

    assert [0 <= slept <= cap for slept, cap in zip(clock.sleeps, (0.1, 0.2, 0.4, 0.4), strict=True)] == [True] * 4


async def test_retry_n_waits_at_most_base_times_two_to_the_n_minus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry.random, "uniform", lambda low, high: high)  # every wait at its ceiling
    clock, attempts = FakeClock(), Attempts(*[Unreachable()] * 4)

    await run(attempts, clock, limit=5)

    assert clock.sleeps == [0.1, 0.2, 0.4, 0.4]  # base 0.1, doubling, capped at 0.4
