"""The settlement report: one CSV row per settled capture and refund of one UTC day."""

from __future__ import annotations

import collections
import csv
import datetime
import io

import pytest

from mesh.money import Money
from services.payments.psp import SETTLEMENT_HEADER, SandboxPsp
from tests.unit.payments.psp.support import authorize_request


def rows_of(report: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(report, newline="")))


async def authorize(psp: SandboxPsp, minor: int, currency: str = "EUR") -> str:
    return (await psp.authorize(authorize_request(amount=Money(currency, minor)))).psp_reference


async def test_settlement_report_sums_per_currency_match_captured_minus_refunded(psp: SandboxPsp, clock) -> None:
    eur, usd = await authorize(psp, 10_000), await authorize(psp, 5_000, "USD")
    await psp.capture("c1", eur, Money("EUR", 6_000))
    await psp.capture("c2", eur, Money("EUR", 4_000))
    await psp.refund("r1", eur, Money("EUR", 2_500))
    await psp.capture("c3", usd, Money("USD", 5_000))
    await psp.refund("r2", usd, Money("USD", 5_000))

    gross, net = collections.Counter(), collections.Counter()
    for row in rows_of(await psp.settlement_report(clock.now.date())):
        gross[row["currency"]] += int(row["gross_minor"])
        net[row["currency"]] += int(row["net_minor"])

    assert gross == {"EUR": 10_000 - 2_500, "USD": 0}
    fees = {"EUR": (174 + 30) + (116 + 30), "USD": 145 + 30}
    assert net == {currency: gross[currency] - fee for currency, fee in fees.items()}


async def test_settlement_report_rows_are_captures_and_refunds_with_their_own_references(
    psp: SandboxPsp, authorized: str, clock
) -> None:
    captures = [await psp.capture(f"cap-{n}", authorized, Money("EUR", 5_000)) for n in (1, 2)]
    refund = await psp.refund("ref-1", authorized, Money("EUR", 1_000))

    rows = rows_of(await psp.settlement_report(clock.now.date()))

    assert [row["psp_reference"] for row in rows] == [c.psp_reference for c in captures] + [refund.psp_reference]
    assert [row["type"] for row in rows] == ["capture", "capture", "refund"]
    assert [(row["gross_minor"], row["fee_minor"], row["net_minor"]) for row in rows[2:]] == [("-1000", "0", "-1000")]
    assert {row["settled_at"] for row in rows} == {"2031-05-17T09:30:00Z"}


async def test_settlement_report_starts_with_the_header_and_uses_crlf(psp: SandboxPsp, authorized: str, clock) -> None:
    await psp.capture("cap-h", authorized, Money("EUR", 100))

    report = await psp.settlement_report(clock.now.date())

    assert report.startswith(",".join(SETTLEMENT_HEADER) + "\r\n")
    assert tuple(next(csv.reader(io.StringIO(report)))) == (
        "psp_reference",
        "type",
        "currency",
        "gross_minor",
        "fee_minor",
        "net_minor",
        "settled_at",
    )
    assert report.count("\r\n") == 2


async def test_settlement_report_holds_only_items_of_that_utc_day(psp: SandboxPsp, authorized: str, clock) -> None:
    clock.now = datetime.datetime(2031, 5, 17, 23, 59, 59, tzinfo=datetime.UTC)
    today = await psp.capture("cap-today", authorized, Money("EUR", 1_000))
    clock.now = datetime.datetime(2031, 5, 18, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    still_today = await psp.capture("cap-still-today", authorized, Money("EUR", 1_000))
    clock.advance(hours=2)
    tomorrow = await psp.refund("ref-tomorrow", authorized, Money("EUR", 500))

    day = [row["psp_reference"] for row in rows_of(await psp.settlement_report(datetime.date(2031, 5, 17)))]
    next_day = [row["psp_reference"] for row in rows_of(await psp.settlement_report(datetime.date(2031, 5, 18)))]

    assert day == [today.psp_reference, still_today.psp_reference]
    assert next_day == [tomorrow.psp_reference]


async def test_settlement_report_leaves_out_authorizations_and_voids(psp: SandboxPsp, authorized: str, clock) -> None:
    await psp.void("void-s", authorized)

    assert rows_of(await psp.settlement_report(clock.now.date())) == []


async def test_settlement_report_of_a_quiet_day_is_the_header_alone(psp: SandboxPsp) -> None:
    assert await psp.settlement_report(datetime.date(2020, 1, 1)) == ",".join(SETTLEMENT_HEADER) + "\r\n"


async def test_capture_with_a_naive_clock_is_refused_and_changes_nothing() -> None:
    psp = SandboxPsp("sandbox-naive", fee_rate_bps=0, fixed_fee_minor=0, clock=lambda: datetime.datetime(2031, 1, 1))
    reference = (await psp.authorize(authorize_request())).psp_reference

    with pytest.raises(ValueError, match="timezone-aware"):
        await psp.capture("cap-naive", reference, Money("EUR", 100))

    assert psp.payment(reference).captured == Money("EUR", 0)
    assert await psp.status("cap-naive") is None
