"""Reconciling a real sandbox PSP's settlement CSV against the ledger's facts: a clean day
reconciles, and each injected discrepancy is reported exactly, with nothing else."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

import pytest

from mesh.money import Money
from services.invoicing.reconciliation import (
    Category,
    LineProblem,
    ReconciliationReport,
    SettlementTooLarge,
    SettlementWindow,
    reconcile,
)
from tests.unit.invoicing.sandbox_settlement import (
    DAY,
    NEXT_DAY,
    NEXT_WINDOW,
    WINDOW,
    SandboxDay,
    csv_of,
    rows_of,
    sandbox_day,
)

REFERENCE, TYPE, CURRENCY, GROSS, FEE, NET, SETTLED_AT = range(7)


@pytest.fixture
async def day() -> SandboxDay:
    sandbox = sandbox_day()
    await sandbox.run()
    return sandbox


def run(text: str | bytes, facts, window: SettlementWindow = WINDOW) -> ReconciliationReport:
    return reconcile(text.encode() if isinstance(text, str) else text, facts, window)


def findings(report: ReconciliationReport) -> list[tuple[Category, str, int]]:
    return [(finding.category, finding.psp_reference, finding.line_number) for finding in report.findings]


def totals(report: ReconciliationReport) -> dict[str, tuple[int, ...]]:
    return {
        t.currency_code: (
            t.settlement_gross.amount_minor,
            t.settlement_fees.amount_minor,
            t.settlement_net.amount_minor,
            t.ledger_gross.amount_minor,
            t.ledger_fees.amount_minor,
            t.ledger_net.amount_minor,
        )
        for t in report.totals
    }


async def test_a_clean_day_reconciles_every_row_and_both_sides_total_the_same(day: SandboxDay) -> None:
    text = await day.csv()
    report = run(text, day.facts)

    rows = rows_of(text)[1:]
    assert len(rows) == len(day.facts) == 13
    assert (report.line_count, report.matched_count, report.findings) == (13, 13, ())
    assert report.reconciles and report.readable
    assert [t.currency_code for t in report.totals] == ["BHD", "EUR", "JPY", "KWD", "USD"]
    for currency, (s_gross, s_fees, s_net, l_gross, l_fees, l_net) in totals(report).items():
        assert (s_gross, s_fees, s_net) == (l_gross, l_fees, l_net), currency
        assert s_net == s_gross - s_fees
        assert s_gross == sum(int(row[GROSS]) for row in rows if row[CURRENCY] == currency)
    assert totals(report)["JPY"][0] == 0  # captured and fully refunded


async def test_a_fact_the_ledger_lacks_is_missing_in_ledger_at_its_row(day: SandboxDay) -> None:
    text = await day.csv()
    dropped = day.facts[3]

    report = run(text, [fact for fact in day.facts if fact is not dropped])

    assert findings(report) == [(Category.MISSING_IN_LEDGER, dropped.psp_reference, 5)]
    assert report.findings[0].expected is None and report.findings[0].actual == dropped.gross
    assert report.matched_count == 12


async def test_a_row_the_report_lacks_is_missing_in_settlement_with_its_journal_entry(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    dropped = rows.pop(6)

    report = run(csv_of(rows), day.facts)

    fact = day.fact(dropped[REFERENCE])
    assert findings(report) == [(Category.MISSING_IN_SETTLEMENT, fact.psp_reference, 0)]
    assert (report.findings[0].expected, report.findings[0].actual) == (fact.gross, None)
    assert report.findings[0].journal_entry == fact.journal_entry
    currency_totals = totals(report)[fact.gross.currency_code]
    assert currency_totals[3] - currency_totals[0] == fact.gross.amount_minor  # the ledger expected it


async def test_a_changed_gross_is_an_amount_mismatch_naming_both_amounts(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    row = rows[2]
    row[GROSS], row[NET] = str(int(row[GROSS]) + 1), str(int(row[NET]) + 1)

    report = run(csv_of(rows), day.facts)

    fact = day.fact(row[REFERENCE])
    assert findings(report) == [(Category.AMOUNT_MISMATCH, fact.psp_reference, 3)]
    one = Money(fact.gross.currency_code, 1)
    assert (report.findings[0].expected, report.findings[0].actual) == (fact.gross, fact.gross + one)
    s_gross, _, _, l_gross, _, _ = totals(report)[fact.gross.currency_code]
    assert s_gross - l_gross == 1


async def test_a_changed_fee_is_a_fee_mismatch_naming_both_fees(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    row = rows[1]
    row[FEE], row[NET] = str(int(row[FEE]) + 7), str(int(row[NET]) - 7)

    report = run(csv_of(rows), day.facts)

    fact = day.fact(row[REFERENCE])
    assert findings(report) == [(Category.FEE_MISMATCH, fact.psp_reference, 2)]
    seven = Money(fact.fee.currency_code, 7)
    assert (report.findings[0].expected, report.findings[0].actual) == (fact.fee, fact.fee + seven)


async def test_a_changed_currency_is_a_currency_mismatch_with_each_side_in_its_own(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    row = next(row for row in rows if row[CURRENCY] == "EUR")
    row[CURRENCY] = "GBP"

    report = run(csv_of(rows), day.facts)

    fact = day.fact(row[REFERENCE])
    assert findings(report) == [(Category.CURRENCY_MISMATCH, fact.psp_reference, rows.index(row) + 1)]
    assert report.findings[0].expected == fact.gross
    assert report.findings[0].actual == Money("GBP", fact.gross.amount_minor)
    assert totals(report)["GBP"][:3] == (fact.gross.amount_minor, fact.fee.amount_minor, fact.net.amount_minor)
    assert totals(report)["GBP"][3:] == (0, 0, 0)


async def test_a_repeated_row_is_a_duplicate_and_only_the_repeat_is_reported(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    rows.append(list(rows[4]))

    report = run(csv_of(rows), day.facts)

    assert findings(report) == [(Category.DUPLICATE, rows[4][REFERENCE], len(rows))]
    assert report.matched_count == 13


async def test_a_reference_an_earlier_report_already_settled_is_a_duplicate(day: SandboxDay) -> None:
    text = await day.csv()
    settled = dataclasses.replace(day.facts[0], settled_on="2026-11-20")
    facts = [settled, *day.facts[1:]]

    report = run(text, facts)

    assert findings(report) == [(Category.DUPLICATE, settled.psp_reference, 2)]
    assert findings(run(csv_of(rows_of(text)[:1] + rows_of(text)[2:]), facts)) == []  # absent: nothing owed


async def test_a_capture_booked_near_the_cut_off_and_settled_next_day_is_timing_then_matched() -> None:
    sandbox = sandbox_day(start=datetime.time(21, 0))
    await sandbox.run()
    # The PSP's clock has passed midnight; the ledger books the capture 6 s before it (skew).
    sandbox.clock.now = datetime.datetime.combine(NEXT_DAY, datetime.time(0, 0, 3), datetime.UTC)
    late = await sandbox.capture("EUR", 4_200, booked_at=sandbox.clock.now - datetime.timedelta(seconds=6))
    today, tomorrow = await sandbox.csv(DAY), await sandbox.csv(NEXT_DAY)

    first = run(today, sandbox.facts, WINDOW)
    second = run(tomorrow, sandbox.facts, NEXT_WINDOW)

    assert late.booked_at.date() == DAY and late.psp_reference not in today
    assert findings(first) == [(Category.TIMING, late.psp_reference, 0)]
    assert first.mismatched_count == 0 and first.timing_count == 1 and first.reconciles
    assert first.totals == run(today, sandbox.facts[:-1], WINDOW).totals  # not in either side yet
    assert findings(second) == [] and second.matched_count == 1
    assert totals(second)["EUR"][0] == totals(second)["EUR"][3] == 4_200


async def test_a_capture_booked_early_in_the_day_and_missing_is_not_timing(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    dropped = rows.pop(1)  # booked at 09:00, far from the cut-off

    assert findings(run(csv_of(rows), day.facts)) == [(Category.MISSING_IN_SETTLEMENT, dropped[REFERENCE], 0)]
    tolerant = SettlementWindow(WINDOW.start, WINDOW.end, cutoff_tolerance=datetime.timedelta(hours=15))
    assert findings(run(csv_of(rows), day.facts, tolerant)) == [(Category.TIMING, dropped[REFERENCE], 0)]


MALFORMED = [
    # (what, edit of the row's fields, problem, column)
    ("wrong column count", lambda row: row[:-1], LineProblem.COLUMN_COUNT, ""),
    (
        "non-numeric amount",
        lambda row: row[:GROSS] + ["12a"] + row[GROSS + 1 :],
        LineProblem.NOT_A_NUMBER,
        "gross_minor",
    ),
    (
        "unknown currency",
        lambda row: row[:CURRENCY] + ["ZZZ"] + row[CURRENCY + 1 :],
        LineProblem.UNKNOWN_CURRENCY,
        "currency",
    ),
    ("float amount", lambda row: row[:FEE] + ["3.5"] + row[FEE + 1 :], LineProblem.FLOAT_AMOUNT, "fee_minor"),
    (
        "net not gross − fee",
        lambda row: row[:NET] + [str(int(row[NET]) + 1)] + row[NET + 1 :],
        LineProblem.NET_NOT_GROSS_MINUS_FEE,
        "net_minor",
    ),
    ("unknown type", lambda row: row[:TYPE] + ["chargeback"] + row[TYPE + 1 :], LineProblem.UNKNOWN_TYPE, "type"),
    (
        "negative capture",
        lambda row: (
            row[:GROSS]
            + ["-" + row[GROSS]]
            + row[GROSS + 1 : NET]
            + [str(-int(row[GROSS]) - int(row[FEE]))]
            + row[NET + 1 :]
        ),
        LineProblem.WRONG_SIGN,
        "gross_minor",
    ),
    ("bad timestamp", lambda row: row[:SETTLED_AT] + ["yesterday"], LineProblem.BAD_TIMESTAMP, "settled_at"),
    (
        "amount beyond int64",
        lambda row: row[:GROSS] + ["9" * 20] + row[GROSS + 1 :],
        LineProblem.OUT_OF_RANGE,
        "gross_minor",
    ),
]


@pytest.mark.parametrize(
    ("edit", "problem", "column"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
async def test_a_malformed_row_is_reported_with_its_line_number_and_reconciles_nothing(
    day: SandboxDay, edit, problem: LineProblem, column: str
) -> None:
    rows = rows_of(await day.csv())
    reference = rows[3][REFERENCE]
    rows[3] = edit(rows[3])

    report = run(csv_of(rows), day.facts)

    assert [(e.line_number, e.problem, e.column, e.psp_reference) for e in report.invalid_lines] == [
        (4, problem, column, reference)
    ]
    assert report.invalid_line_count == 1 and not report.readable and not report.reconciles
    assert findings(report) == []  # the bad row stands for its fact: neither matched nor missing
    assert report.matched_count == 12 and report.line_count == 13
    assert reference not in {finding.psp_reference for finding in report.findings}


async def test_a_row_that_is_not_utf8_is_reported_with_its_line_number(day: SandboxDay) -> None:
    lines = (await day.csv()).encode().split(b"\r\n")
    reference = lines[2].split(b",")[0].decode()
    lines[2] = lines[2].replace(b"Z", b"\xff")  # in settled_at: the reference stays readable

    report = run(b"\r\n".join(lines), day.facts)

    assert [(e.line_number, e.problem, e.psp_reference) for e in report.invalid_lines] == [
        (3, LineProblem.NOT_UTF8, reference)
    ]
    assert findings(report) == []


async def test_an_unreadable_reference_leaves_its_fact_missing_as_well(day: SandboxDay) -> None:
    lines = (await day.csv()).encode().split(b"\r\n")
    reference = lines[2].split(b",")[0].decode()
    lines[2] = b'"broken"quote' + lines[2][len(reference) :]

    report = run(b"\r\n".join(lines), day.facts)

    assert [(e.line_number, e.problem) for e in report.invalid_lines] == [(3, LineProblem.MALFORMED_CSV)]
    assert findings(report) == [(Category.MISSING_IN_SETTLEMENT, reference, 0)]


async def test_every_injection_at_once_is_reported_exactly(day: SandboxDay) -> None:
    rows = rows_of(await day.csv())
    facts = list(day.facts)
    unknown = facts.pop(0)  # ledger lacks row 2
    rows[2][GROSS], rows[2][NET] = str(int(rows[2][GROSS]) - 5), str(int(rows[2][NET]) - 5)  # row 3 amount
    rows[3][FEE], rows[3][NET] = "0", rows[3][GROSS]  # row 4 fee
    rows[4][CURRENCY] = "CHF"  # row 5 currency
    rows[5][GROSS] = "1.00"  # row 6 malformed
    missing = rows.pop(7)  # row 8 dropped: the report's rows 9.. move up one
    rows.append(list(rows[6]))  # row 7 duplicated at the end

    report = run(csv_of(rows), facts)

    assert findings(report) == [
        (Category.MISSING_IN_LEDGER, unknown.psp_reference, 2),
        (Category.AMOUNT_MISMATCH, rows[2][REFERENCE], 3),
        (Category.FEE_MISMATCH, rows[3][REFERENCE], 4),
        (Category.CURRENCY_MISMATCH, rows[4][REFERENCE], 5),
        (Category.DUPLICATE, rows[6][REFERENCE], len(rows)),
        (Category.MISSING_IN_SETTLEMENT, missing[REFERENCE], 0),
    ]
    assert [(e.line_number, e.problem) for e in report.invalid_lines] == [(6, LineProblem.FLOAT_AMOUNT)]
    assert report.line_count == 13  # 12 rows left, and the repeat
    assert report.mismatched_count == 6 and report.matched_count == 13 - 5 - 1


async def test_the_same_file_twice_gives_the_same_report_keyed_by_its_content_hash(day: SandboxDay) -> None:
    text = await day.csv()
    rows = rows_of(text)
    rows[1][FEE], rows[1][NET] = str(int(rows[1][FEE]) + 1), str(int(rows[1][NET]) - 1)
    changed = csv_of(rows)

    first, again, other = run(changed, day.facts), run(changed, list(day.facts)), run(text, day.facts)

    assert first == again
    assert first.content_sha256 == hashlib.sha256(changed.encode()).digest()
    assert first.byte_count == len(changed.encode())
    assert other.content_sha256 != first.content_sha256 and other != first


async def test_a_report_over_the_size_limit_is_refused_with_the_limit_before_it_is_read(day: SandboxDay) -> None:
    text = (await day.csv()).encode()
    chunks_read = []

    def chunks():
        for start in range(0, len(text), 100):
            chunks_read.append(start)
            yield text[start : start + 100]

    with pytest.raises(SettlementTooLarge) as refused:
        reconcile(chunks(), day.facts, WINDOW, max_bytes=250)

    assert refused.value.limit_bytes == 250 and refused.value.metadata == {"limit_bytes": "250"}
    assert refused.value.reason == "SETTLEMENT_REPORT_INVALID" and "250 bytes" in str(refused.value)
    assert len(chunks_read) == 3  # stopped at the chunk that crossed the limit
    assert reconcile(text, day.facts, WINDOW, max_bytes=len(text)).reconciles  # exactly the limit is fine


async def test_a_second_psps_report_reconciles_against_its_own_facts_only() -> None:
    alpha, beta = sandbox_day("sandbox-alpha"), sandbox_day("sandbox-beta")
    await alpha.run()
    await beta.run()

    assert run(await beta.csv(), beta.facts).reconciles
    crossed = run(await beta.csv(), alpha.facts)
    assert {finding.category for finding in crossed.findings} == {
        Category.MISSING_IN_LEDGER,
        Category.MISSING_IN_SETTLEMENT,
    }
    assert len(crossed.findings) == len(alpha.facts) + len(beta.facts)
