"""The built-in sandboxes: alpha takes every brand at 2.9 % + 30, beta no Amex at 2.5 % + 25."""

from __future__ import annotations

import pytest

from mesh.money import Money
from services.payments.psp import (
    SANDBOX_ALPHA,
    SANDBOX_BETA,
    Outcome,
    PspUnavailable,
    SandboxPsp,
    sandbox_psp,
    sandbox_psps,
)
from tests.unit.payments.psp.support import AMEX_OK, VISA_OK, authorize_request


def test_sandbox_psps_are_alpha_and_beta_by_name(clock) -> None:
    psps = sandbox_psps(clock=clock)

    names = {name: psp.name for name, psp in psps.items()}
    assert names == {SANDBOX_ALPHA: "sandbox-alpha", SANDBOX_BETA: "sandbox-beta"}
    assert all(isinstance(psp, SandboxPsp) for psp in psps.values())


async def test_sandbox_beta_answers_amex_unsupported_and_creates_nothing(clock) -> None:
    beta = sandbox_psp(SANDBOX_BETA, clock=clock)
    request = authorize_request(AMEX_OK)

    result = await beta.authorize(request)

    assert (result.outcome, result.psp_reference, result.hard_decline) == (Outcome.UNSUPPORTED, None, False)
    assert result.decline_code == "card_brand_unsupported"
    assert beta.payments_for(request.reference) == ()


async def test_sandbox_alpha_approves_amex(clock) -> None:
    assert (await sandbox_psp(SANDBOX_ALPHA, clock=clock).authorize(authorize_request(AMEX_OK))).approved


@pytest.mark.parametrize(("name", "fee"), [(SANDBOX_ALPHA, 290 + 30), (SANDBOX_BETA, 250 + 25)])
async def test_sandbox_charges_its_fee_on_capture(clock, name, fee) -> None:
    psp = sandbox_psp(name, clock=clock)
    authorization = await psp.authorize(authorize_request(VISA_OK, Money("USD", 10_000)))

    capture = await psp.capture("capture", authorization.psp_reference, Money("USD", 10_000))

    assert capture.fee == Money("USD", fee)


def test_sandbox_psp_of_unknown_name_is_refused() -> None:
    with pytest.raises(ValueError, match="sandbox-alpha"):
        sandbox_psp("sandbox-gamma")


async def test_sandbox_psps_give_every_instance_the_behaviour(clock) -> None:
    psps = sandbox_psps(clock=clock, failure_rate=1.0, seed=9)

    for psp in psps.values():
        with pytest.raises(PspUnavailable):
            await psp.authorize(authorize_request())
