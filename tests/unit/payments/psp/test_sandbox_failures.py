"""Unknown outcomes and the misbehaviour knobs: what executed, and how status() reveals it."""

from __future__ import annotations

import pytest

from mesh.money import Money
from services.payments.psp import Outcome, PspTimeout, PspUnavailable, SandboxPsp
from tests.unit.payments.psp.support import TIMEOUT_AFTER_EXECUTION, authorize_request


def sandbox(clock, **behaviour) -> SandboxPsp:
    return SandboxPsp("sandbox-flaky", fee_rate_bps=290, fixed_fee_minor=30, clock=clock, **behaviour)


async def test_status_after_timeout_reveals_the_approved_authorization(psp: SandboxPsp) -> None:
    request = authorize_request(TIMEOUT_AFTER_EXECUTION)
    with pytest.raises(PspTimeout):
        await psp.authorize(request)

    found = await psp.status(request.idempotency_key)

    assert found is not None and found.outcome is Outcome.APPROVED
    [payment] = psp.payments_for(request.reference)
    assert (found.psp_reference, payment.authorized) == (payment.psp_reference, request.amount)
    captured = await psp.capture("janitor-capture", found.psp_reference, request.amount)
    assert captured.approved


async def test_authorize_retried_after_timeout_replays_the_authorization(psp: SandboxPsp) -> None:
    request = authorize_request(TIMEOUT_AFTER_EXECUTION)
    with pytest.raises(PspTimeout):
        await psp.authorize(request)

    retried = await psp.authorize(request)

    assert retried.approved
    assert [p.psp_reference for p in psp.payments_for(request.reference)] == [retried.psp_reference]


async def test_status_of_a_key_never_used_is_none(psp: SandboxPsp) -> None:
    assert await psp.status("never-used") is None


async def test_status_returns_the_result_of_each_kind_of_call(psp: SandboxPsp, authorized: str) -> None:
    capture = await psp.capture("st-cap", authorized, Money("EUR", 10_000))
    refund = await psp.refund("st-ref", authorized, Money("EUR", 100))

    assert (await psp.status("st-cap"), await psp.status("st-ref")) == (capture, refund)


async def test_unavailable_psp_executes_nothing(clock) -> None:
    psp = sandbox(clock, failure_rate=1.0, seed=1)
    request = authorize_request()

    with pytest.raises(PspUnavailable) as raised:
        await psp.authorize(request)

    assert raised.value.reason.name == "PSP_UNAVAILABLE"
    assert raised.value.metadata == {"psp": "sandbox-flaky", "idempotency_key": request.idempotency_key}
    assert psp.payments_for(request.reference) == ()


async def test_unavailable_psp_fails_status_lookups_too(clock) -> None:
    with pytest.raises(PspUnavailable):
        await sandbox(clock, failure_rate=1.0, seed=1).status("any-key")


async def test_random_timeout_happens_after_execution(clock) -> None:
    psp = sandbox(clock, timeout_rate=1.0, seed=1)
    request = authorize_request()

    with pytest.raises(PspTimeout):
        await psp.authorize(request)

    found = await psp.status(request.idempotency_key)
    assert found is not None and found.approved
    assert len(psp.payments_for(request.reference)) == 1


async def test_random_timeout_on_capture_still_captures(clock) -> None:
    psp = sandbox(clock, timeout_rate=1.0, seed=1)
    request = authorize_request()
    with pytest.raises(PspTimeout):
        await psp.authorize(request)
    reference = (await psp.status(request.idempotency_key)).psp_reference

    with pytest.raises(PspTimeout):
        await psp.capture("lost-capture", reference, Money("EUR", 5_000))

    assert psp.payment(reference).captured == Money("EUR", 5_000)
    assert (await psp.status("lost-capture")).approved


async def outcomes(psp: SandboxPsp, calls: int) -> list[str]:
    seen = []
    for _ in range(calls):
        try:
            seen.append((await psp.authorize(authorize_request())).outcome.value)
        except (PspUnavailable, PspTimeout) as error:
            seen.append(type(error).__name__)
    return seen


async def test_random_failures_repeat_for_the_same_seed(clock) -> None:
    first = await outcomes(sandbox(clock, failure_rate=0.3, timeout_rate=0.3, seed=42), 40)
    second = await outcomes(sandbox(clock, failure_rate=0.3, timeout_rate=0.3, seed=42), 40)

    assert first == second
    assert {"approved", "PspUnavailable", "PspTimeout"} <= set(first)


async def test_latency_is_drawn_within_bounds_before_each_call(clock) -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    psp = sandbox(clock, latency=(0.05, 0.2), seed=5, sleep=record)
    request = authorize_request()
    await psp.authorize(request)
    await psp.status(request.idempotency_key)

    assert len(delays) == 2
    assert all(0.05 <= delay <= 0.2 for delay in delays)


async def test_zero_latency_never_sleeps(clock) -> None:
    async def refuse(delay: float) -> None:
        raise AssertionError(f"slept {delay}")

    result = await sandbox(clock, seed=5, sleep=refuse).authorize(authorize_request())

    assert result.approved


@pytest.mark.parametrize(
    "behaviour",
    [
        {"latency": (0.2, 0.1)},
        {"latency": (-0.1, 0.1)},
        {"failure_rate": 1.5},
        {"timeout_rate": -0.1},
    ],
)
def test_sandbox_with_impossible_behaviour_is_refused(clock, behaviour) -> None:
    with pytest.raises(ValueError):
        sandbox(clock, **behaviour)
