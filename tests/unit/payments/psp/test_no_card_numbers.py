"""No card number ever leaves the connector: not in results, errors, reports, reprs or logs."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from mesh.money import Money
from services.payments.psp import PspError, SandboxPsp, sandbox_psps
from tests.unit.payments.psp.support import AMEX_OK, authorize_request

PANS = [
    "4242424242424242",
    "4000000000009995",
    "4000000000000002",
    "4000000000009979",
    "4000000000000069",
    "4000000000003220",
    "4000000000000119",
    "4000000000000259",
    "4242424242424241",
    AMEX_OK,
]


async def exercise(psp: SandboxPsp, pan: str, texts: list[str]) -> None:
    """Every call a card can take part in; collects everything that comes back."""
    request = authorize_request(pan)
    texts.append(repr(request))
    try:
        result = await psp.authorize(request)
    except PspError as error:
        texts.extend([str(error), repr(error), repr(error.metadata), repr(error.status)])
        result = await psp.status(request.idempotency_key)
    texts.extend([repr(result), repr(await psp.status(request.idempotency_key))])
    try:
        await psp.authorize(dataclasses.replace(request, amount=Money("EUR", 1)))
    except PspError as error:
        texts.extend([str(error), repr(error), repr(error.metadata), repr(error.status)])
    if result.psp_reference:
        texts.append(repr(psp.payments_for(request.reference)))
        await try_money_calls(psp, result.psp_reference, texts)


async def try_money_calls(psp: SandboxPsp, reference: str, texts: list[str]) -> None:
    for call in (
        lambda: psp.capture(f"c-{reference}", reference, Money("EUR", 10_000)),
        lambda: psp.refund(f"r-{reference}", reference, Money("EUR", 20_000)),
        lambda: psp.refund(f"r2-{reference}", reference, Money("EUR", 1_000)),
        lambda: psp.void(f"v-{reference}", reference),
    ):
        try:
            texts.append(repr(await call()))
        except PspError as error:
            texts.extend([str(error), repr(error), repr(error.metadata), repr(error.status)])


@pytest.mark.parametrize("name", ["sandbox-alpha", "sandbox-beta"])
async def test_no_card_number_in_results_errors_reports_or_logs(caplog, clock, name) -> None:
    caplog.set_level(logging.DEBUG)
    psp = sandbox_psps(clock=clock, seed=11)[name]
    texts: list[str] = [repr(psp)]

    for pan in PANS:
        await exercise(psp, pan, texts)
    texts.append(await psp.settlement_report(clock.now.date()))
    texts.extend(record.getMessage() for record in caplog.records)
    texts.append(caplog.text)

    assert len([r for r in caplog.records if r.name == "services.payments.psp.sandbox"]) > len(PANS)
    leaked = [pan for pan in PANS if any(pan in text for text in texts)]
    assert leaked == []


def test_authorize_request_repr_leaves_the_card_out() -> None:
    request = authorize_request(AMEX_OK)

    assert AMEX_OK not in repr(request) and AMEX_OK not in str(request)
    assert "card" not in repr(request)
