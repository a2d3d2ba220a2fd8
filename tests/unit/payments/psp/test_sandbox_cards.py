"""Every deterministic test card answers the same way every time."""

from __future__ import annotations

import pytest

from mesh.money import Money
from services.payments.psp import Outcome, PspRequestRejected, PspTimeout, SandboxPsp
from tests.unit.payments.psp.support import AMEX_OK, TIMEOUT_AFTER_EXECUTION, VISA_OK, authorize_request

CARD_OUTCOMES = [
    (VISA_OK, Outcome.APPROVED, None, False),
    ("4000000000009995", Outcome.DECLINED, "insufficient_funds", False),
    ("4000000000000002", Outcome.DECLINED, "do_not_honor", False),
    ("4000000000009979", Outcome.DECLINED, "stolen_card", True),
    ("4000000000000069", Outcome.DECLINED, "expired_card", True),
    ("4000000000003220", Outcome.REQUIRES_ACTION, None, False),
    ("4000000000000119", Outcome.FAILED_RETRYABLE, "processing_error", False),
    (AMEX_OK, Outcome.APPROVED, None, False),
    ("5555555555554444", Outcome.APPROVED, None, False),
    ("6011111111111117", Outcome.APPROVED, None, False),
]


@pytest.mark.parametrize(("pan", "outcome", "decline_code", "hard"), CARD_OUTCOMES)
async def test_authorize_test_card_gives_its_outcome(psp: SandboxPsp, pan, outcome, decline_code, hard) -> None:
    result = await psp.authorize(authorize_request(pan))

    assert (result.outcome, result.decline_code, result.hard_decline) == (outcome, decline_code, hard)
    assert result.psp_reference is not None
    assert result.fee is None


@pytest.mark.parametrize(("pan", "outcome", "decline_code", "hard"), CARD_OUTCOMES)
async def test_authorize_test_card_is_deterministic_across_instances(clock, pan, outcome, decline_code, hard) -> None:
    answers = []
    for seed in (1, 2):
        psp = SandboxPsp("sandbox-det", fee_rate_bps=0, fixed_fee_minor=0, clock=clock, seed=seed)
        result = await psp.authorize(authorize_request(pan))
        answers.append((result.outcome, result.decline_code, result.hard_decline))

    assert answers == [(outcome, decline_code, hard)] * 2


async def test_authorize_timeout_card_raises_timeout_after_recording(psp: SandboxPsp) -> None:
    request = authorize_request(TIMEOUT_AFTER_EXECUTION)

    with pytest.raises(PspTimeout) as raised:
        await psp.authorize(request)

    assert raised.value.reason.name == "OUTCOME_UNKNOWN"
    assert [p.state for p in psp.payments_for(request.reference)] == ["authorized"]


async def test_authorize_number_failing_luhn_is_hard_declined(psp: SandboxPsp) -> None:
    result = await psp.authorize(authorize_request("4242424242424241"))

    assert (result.outcome, result.decline_code, result.hard_decline) == (Outcome.DECLINED, "incorrect_number", True)


async def test_authorize_card_expired_by_the_clock_is_hard_declined(psp: SandboxPsp, clock) -> None:
    last_month = clock.now.month - 1 or 12
    year = clock.now.year if clock.now.month > 1 else clock.now.year - 1

    result = await psp.authorize(authorize_request(VISA_OK, exp_month=last_month, exp_year=year))

    assert (result.outcome, result.decline_code, result.hard_decline) == (Outcome.DECLINED, "expired_card", True)


async def test_authorize_card_expiring_this_month_is_approved(psp: SandboxPsp, clock) -> None:
    result = await psp.authorize(authorize_request(VISA_OK, exp_month=clock.now.month, exp_year=clock.now.year))

    assert result.approved


@pytest.mark.parametrize("pan", ["4000000000009995", "4000000000009979", "4000000000003220", "4000000000000119"])
async def test_capture_of_unapproved_authorization_is_refused(psp: SandboxPsp, pan) -> None:
    declined = await psp.authorize(authorize_request(pan))

    with pytest.raises(PspRequestRejected) as raised:
        await psp.capture("capture-1", declined.psp_reference, Money("EUR", 100))

    assert raised.value.reason.name == "PAYMENT_INTENT_STATE_INVALID"
    assert psp.payment(declined.psp_reference).captured == Money("EUR", 0)
