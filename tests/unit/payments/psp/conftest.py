"""Fixtures for the PSP connector tests: a hand-moved clock and a well-behaved sandbox."""

from __future__ import annotations

import pytest

from services.payments.psp import SandboxPsp
from tests.unit.payments.psp.support import ManualClock, authorize_request


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def psp(clock: ManualClock) -> SandboxPsp:
    """A well-behaved sandbox: 2.9 % + 30, no latency, no random failures."""
    return SandboxPsp("sandbox-test", fee_rate_bps=290, fixed_fee_minor=30, clock=clock, seed=7)


@pytest.fixture
async def authorized(psp: SandboxPsp) -> str:
    """The psp_reference of a fresh 100.00 EUR authorization."""
    result = await psp.authorize(authorize_request())
    assert result.approved
    return result.psp_reference
