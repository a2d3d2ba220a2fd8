"""Fees: rate plus fixed part, half-up, in integer minor units, to the cent."""

from __future__ import annotations

import asyncio
import csv
import fractions
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh.money import Money
from services.payments.psp import FeeSchedule, SandboxPsp
from tests.unit.payments.psp.support import ManualClock, authorize_request

amounts = st.integers(min_value=1, max_value=10**12)
rates = st.integers(min_value=0, max_value=10_000)
fixed = st.integers(min_value=0, max_value=1_000)
currencies = st.sampled_from(["EUR", "USD", "JPY", "GBP"])


def half_up(value: fractions.Fraction) -> int:
    whole = value.numerator // value.denominator
    return whole + (1 if value - whole >= fractions.Fraction(1, 2) else 0)


@pytest.mark.parametrize(
    ("amount", "bps", "fixed_minor", "fee"),
    [
        (10_000, 290, 30, 320),  # 2.9 % of 100.00 + 0.30
        (1_000, 250, 25, 50),  # 2.5 % of 10.00 + 0.25
        (20, 250, 0, 1),  # 0.5 rounds up
        (19, 250, 0, 0),  # 0.475 rounds down
        (60, 250, 0, 2),  # 1.5 rounds up
        (1, 290, 30, 30),  # 0.029 rounds to nothing: only the fixed part
    ],
)
def test_fee_for_known_amounts_rounds_half_up(amount, bps, fixed_minor, fee) -> None:
    assert FeeSchedule(bps, fixed_minor).fee_for(Money("EUR", amount)) == Money("EUR", fee)


@given(amount=amounts, bps=rates, fixed_minor=fixed, currency=currencies)
def test_fee_for_any_amount_matches_exact_half_up(amount, bps, fixed_minor, currency) -> None:
    fee = FeeSchedule(bps, fixed_minor).fee_for(Money(currency, amount))

    assert fee == Money(currency, half_up(fractions.Fraction(amount * bps, 10_000)) + fixed_minor)


@pytest.mark.parametrize("minor", [0, -1])
def test_fee_for_non_positive_amount_is_refused(minor) -> None:
    with pytest.raises(ValueError):
        FeeSchedule(290, 30).fee_for(Money("EUR", minor))


@pytest.mark.parametrize(("bps", "fixed_minor"), [(-1, 30), (290, -1), (2.9, 30), (True, 30)])
def test_fee_schedule_with_negative_or_non_int_parts_is_refused(bps, fixed_minor) -> None:
    with pytest.raises(ValueError):
        FeeSchedule(bps, fixed_minor)


async def capture_and_report(amount: Money, bps: int, fixed_minor: int) -> tuple[Money, dict[str, str]]:
    clock = ManualClock()
    psp = SandboxPsp("sandbox-fees", fee_rate_bps=bps, fixed_fee_minor=fixed_minor, clock=clock, seed=0)
    authorization = await psp.authorize(authorize_request(amount=amount))
    capture = await psp.capture("capture", authorization.psp_reference, amount)
    [row] = csv.DictReader(io.StringIO(await psp.settlement_report(clock.now.date())))
    return capture.fee, row


@settings(max_examples=60, deadline=None)
@given(amount=amounts, bps=rates, fixed_minor=fixed, currency=currencies)
def test_capture_fee_plus_net_equals_gross_for_every_amount(amount, bps, fixed_minor, currency) -> None:
    fee, row = asyncio.run(capture_and_report(Money(currency, amount), bps, fixed_minor))

    assert fee == FeeSchedule(bps, fixed_minor).fee_for(Money(currency, amount))
    assert (int(row["gross_minor"]), int(row["fee_minor"]), row["currency"]) == (amount, fee.amount_minor, currency)
    assert int(row["fee_minor"]) + int(row["net_minor"]) == int(row["gross_minor"])
