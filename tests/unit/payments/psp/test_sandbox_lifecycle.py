"""Per-payment state: capture up to the authorization, refund up to the capture, void before."""

from __future__ import annotations

import pytest

from mesh.money import CurrencyMismatch, Money
from services.payments.psp import Outcome, PspRequestRejected, SandboxPsp
from tests.unit.payments.psp.support import authorize_request


def eur(minor: int) -> Money:
    return Money("EUR", minor)


async def test_capture_partial_then_rest_captures_the_whole_authorization(psp: SandboxPsp, authorized: str) -> None:
    first = await psp.capture("cap-1", authorized, eur(3_000))
    rest = await psp.capture("cap-2", authorized, eur(7_000))

    assert first.approved and rest.approved
    assert first.psp_reference != rest.psp_reference != authorized
    assert (first.fee, rest.fee) == (eur(87 + 30), eur(203 + 30))
    assert psp.payment(authorized).captured == eur(10_000)


async def test_capture_over_the_authorization_is_refused(psp: SandboxPsp, authorized: str) -> None:
    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("cap-over", authorized, eur(10_001))

    assert raised.value.reason.name == "AMOUNT_EXCEEDS_CAPTURABLE"
    assert raised.value.metadata["psp_reference"] == authorized
    assert psp.payment(authorized).captured == eur(0)


async def test_capture_over_the_remainder_after_partial_capture_is_refused(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("cap-part", authorized, eur(6_000))

    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("cap-rest", authorized, eur(4_001))

    assert raised.value.reason.name == "AMOUNT_EXCEEDS_CAPTURABLE"
    assert psp.payment(authorized).captured == eur(6_000)


async def test_capture_in_another_currency_is_refused(psp: SandboxPsp, authorized: str) -> None:
    with pytest.raises(CurrencyMismatch):
        await psp.capture("cap-usd", authorized, Money("USD", 1_000))

    assert psp.payment(authorized).captured == eur(0)


@pytest.mark.parametrize("minor", [0, -100])
async def test_capture_of_non_positive_amount_is_refused(psp: SandboxPsp, authorized: str, minor: int) -> None:
    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("cap-zero", authorized, eur(minor))

    assert raised.value.reason.name == "VALIDATION_FAILED"


async def test_authorize_of_non_positive_amount_is_refused(psp: SandboxPsp) -> None:
    request = authorize_request(amount=eur(0))

    with pytest.raises(PspRequestRejected) as raised:
        await psp.authorize(request)

    assert raised.value.reason.name == "VALIDATION_FAILED"
    assert psp.payments_for(request.reference) == ()


async def test_capture_of_unknown_reference_is_not_found(psp: SandboxPsp) -> None:
    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("cap-unknown", "sandbox_test_pay_nothing", eur(100))

    assert raised.value.reason.name == "NOT_FOUND"


async def test_refund_partial_then_full_refunds_everything_captured(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("cap-all", authorized, eur(10_000))

    partial = await psp.refund("ref-1", authorized, eur(2_500))
    rest = await psp.refund("ref-2", authorized, eur(7_500))

    assert partial.approved and rest.approved and partial.psp_reference != rest.psp_reference
    assert (partial.fee, rest.fee) == (None, None)
    assert psp.payment(authorized).refunded == eur(10_000)


async def test_refund_over_the_captured_amount_is_refused(psp: SandboxPsp, authorized: str) -> None:
    await psp.capture("cap-some", authorized, eur(4_000))
    await psp.refund("ref-some", authorized, eur(1_000))

    with pytest.raises(PspRequestRejected) as raised:
        await psp.refund("ref-over", authorized, eur(3_001))

    assert raised.value.reason.name == "AMOUNT_EXCEEDS_REFUNDABLE"
    assert psp.payment(authorized).refunded == eur(1_000)


async def test_refund_before_any_capture_is_refused(psp: SandboxPsp, authorized: str) -> None:
    with pytest.raises(PspRequestRejected) as raised:
        await psp.refund("ref-early", authorized, eur(1))

    assert raised.value.reason.name == "AMOUNT_EXCEEDS_REFUNDABLE"


async def test_void_before_capture_releases_the_authorization(psp: SandboxPsp, authorized: str) -> None:
    result = await psp.void("void-1", authorized)

    assert (result.outcome, result.psp_reference) == (Outcome.APPROVED, authorized)
    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("cap-after-void", authorized, eur(100))
    assert raised.value.metadata["state"] == "voided"


@pytest.mark.parametrize("captured", [1, 10_000])
async def test_void_after_capture_is_refused(psp: SandboxPsp, authorized: str, captured: int) -> None:
    await psp.capture("cap-before-void", authorized, eur(captured))

    with pytest.raises(PspRequestRejected) as raised:
        await psp.void("void-late", authorized)

    assert raised.value.reason.name == "PAYMENT_INTENT_STATE_INVALID"
    assert raised.value.metadata["state"] == "captured"
    assert psp.payment(authorized).state == "captured"


async def test_void_twice_with_different_keys_is_refused(psp: SandboxPsp, authorized: str) -> None:
    await psp.void("void-a", authorized)

    with pytest.raises(PspRequestRejected) as raised:
        await psp.void("void-b", authorized)

    assert raised.value.reason.name == "PAYMENT_INTENT_STATE_INVALID"
