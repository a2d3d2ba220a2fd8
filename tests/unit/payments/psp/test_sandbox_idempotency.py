"""The sandbox keeps its own idempotency: a replayed key answers the first result, charges once."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from mesh.money import Money
from services.payments.psp import Outcome, PspIdempotencyConflict, PspRequestRejected, SandboxPsp
from tests.unit.payments.psp.support import authorize_request


async def test_authorize_replayed_key_returns_same_reference_and_charges_once(psp: SandboxPsp) -> None:
    request = authorize_request()

    first = await psp.authorize(request)
    second = await psp.authorize(request)

    assert second == first
    assert [p.psp_reference for p in psp.payments_for(request.reference)] == [first.psp_reference]


async def test_authorize_replayed_decline_returns_same_decline_without_new_payment(psp: SandboxPsp) -> None:
    request = authorize_request("4000000000009995")

    first = await psp.authorize(request)
    second = await psp.authorize(request)

    assert second == first and second.outcome is Outcome.DECLINED
    assert len(psp.payments_for(request.reference)) == 1


async def test_authorize_same_key_concurrently_executes_once(clock) -> None:
    psp = SandboxPsp(
        "sandbox-race",
        fee_rate_bps=0,
        fixed_fee_minor=0,
        latency=(0.001, 0.002),
        clock=clock,
        seed=3,
        sleep=lambda _delay: asyncio.sleep(0),
    )
    request = authorize_request()

    results = await asyncio.gather(*(psp.authorize(request) for _ in range(5)))

    assert len({result.psp_reference for result in results}) == 1
    assert len(psp.payments_for(request.reference)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Money("EUR", 10_001)},
        {"amount": Money("USD", 10_000)},
        {"reference": "tenants/t/paymentIntents/other"},
    ],
)
async def test_authorize_same_key_with_other_parameters_is_refused(psp: SandboxPsp, change) -> None:
    request = authorize_request()
    await psp.authorize(request)

    with pytest.raises(PspIdempotencyConflict) as raised:
        await psp.authorize(dataclasses.replace(request, **change))

    assert raised.value.reason.name == "IDEMPOTENCY_KEY_REUSED"
    assert raised.value.metadata["idempotency_key"] == request.idempotency_key


async def test_authorize_same_key_with_other_card_is_refused(psp: SandboxPsp) -> None:
    request = authorize_request()
    await psp.authorize(request)
    other_card = authorize_request("5555555555554444", key=request.idempotency_key, reference=request.reference)

    with pytest.raises(PspIdempotencyConflict):
        await psp.authorize(other_card)

    assert len(psp.payments_for(request.reference)) == 1


async def test_capture_replayed_key_captures_once(psp: SandboxPsp, authorized: str, clock) -> None:
    first = await psp.capture("capture-a", authorized, Money("EUR", 4_000))
    second = await psp.capture("capture-a", authorized, Money("EUR", 4_000))

    assert second == first
    assert psp.payment(authorized).captured == Money("EUR", 4_000)
    assert (await psp.settlement_report(clock.now.date())).count(first.psp_reference) == 1


async def test_capture_same_key_with_other_amount_is_refused(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("capture-b", authorized, Money("EUR", 4_000))

    with pytest.raises(PspIdempotencyConflict):
        await psp.capture("capture-b", authorized, Money("EUR", 5_000))

    assert psp.payment(authorized).captured == Money("EUR", 4_000)


async def test_refund_replayed_key_refunds_once(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("capture-c", authorized, Money("EUR", 10_000))

    first = await psp.refund("refund-c", authorized, Money("EUR", 2_500))
    second = await psp.refund("refund-c", authorized, Money("EUR", 2_500))

    assert second == first
    assert psp.payment(authorized).refunded == Money("EUR", 2_500)


async def test_void_replayed_key_returns_first_result(psp: SandboxPsp, authorized: str) -> None:
    first = await psp.void("void-d", authorized)
    second = await psp.void("void-d", authorized)

    assert second == first and first.approved
    assert psp.payment(authorized).state == "voided"


async def test_key_of_one_operation_reused_for_another_is_refused(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("shared-key", authorized, Money("EUR", 1_000))

    with pytest.raises(PspIdempotencyConflict):
        await psp.refund("shared-key", authorized, Money("EUR", 1_000))

    assert psp.payment(authorized).refunded == Money("EUR", 0)


async def test_refused_request_is_not_remembered_under_its_key(psp: SandboxPsp, authorized: str) -> None:
    with pytest.raises(PspRequestRejected):
        await psp.capture("capture-e", authorized, Money("EUR", 10_001))

    result = await psp.capture("capture-e", authorized, Money("EUR", 10_000))

    assert result.approved
    assert await psp.status("capture-e") == result
