"""Reconciling a large settlement report: lines/s and peak RSS, beside merely parsing it.

Generation (its own process, not measured): sandbox-alpha is driven directly for --lines
settled items (captures in EUR, USD, JPY and KWD, every tenth payment partly refunded); its
settlement_report(day) is written to a file, and the ledger facts those captures and refunds
book to another (a CSV row each: what the app would read from the journal), plus a copy of
the report cut to a tenth of its rows.
Then each measurement runs in a fresh process (spawn), so its peak RSS is its own:
- imports:   the same imports, nothing read (what a process costs before any work);
- parse:     SettlementReader over the report: every row read, typed and hashed, nothing
             matched (the baseline), over the tenth and over the whole report;
- reconcile: the facts streamed from their file into a Reconciler, then every row matched; the
             report must reconcile (no finding). lines/s counts both steps, match lines/s the
             second alone.
Peak RSS is the process's ru_maxrss. Runs alternate parse and reconcile --repeat times; the
medians are reported.

    python -m bench.reconcile --lines 100000 [--repeat 3] [--out bench/results/reconcile.json]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import csv
import dataclasses
import datetime
import itertools
import multiprocessing
import os
import resource
import statistics
import tempfile
import time

from bench.harness import machine, report

DAY = datetime.date(2026, 11, 21)
CURRENCIES = (("EUR", 2_500), ("USD", 4_999), ("JPY", 3_000), ("KWD", 12_345))


# Generation.


@dataclasses.dataclass(frozen=True)
class _Card:
    pan: str = "4242424242424242"
    exp_month: int = 12
    exp_year: int = 2099


class _Clock:
    """The PSP's clock: a quarter of a second per call, from 00:10 on DAY."""

    def __init__(self) -> None:
        self.now = datetime.datetime.combine(DAY, datetime.time(0, 10), datetime.UTC)

    def __call__(self) -> datetime.datetime:
        self.now += datetime.timedelta(milliseconds=250)
        return self.now


async def _generate(lines: int, report_path: str, facts_path: str) -> int:
    from mesh.money import Money
    from services.payments.psp.connector import AuthorizeRequest
    from services.payments.psp.factory import sandbox_psp

    clock = _Clock()
    psp, keys, written = sandbox_psp("sandbox-alpha", clock=clock, seed=1), itertools.count(), 0
    with open(facts_path, "w", newline="") as file:
        facts = csv.writer(file)
        for payment in itertools.count():
            if written >= lines:
                break
            currency, base = CURRENCIES[payment % len(CURRENCIES)]
            amount = Money(currency, base + payment % 997)
            authorized = await psp.authorize(AuthorizeRequest(f"k{next(keys)}", amount, _Card(), f"pi_{payment}"))
            captured = await psp.capture(f"k{next(keys)}", authorized.psp_reference, amount)
            _write_fact(facts, captured.psp_reference, "capture", amount, captured.fee.amount_minor, clock)
            written += 1
            if payment % 10 == 9 and written < lines:
                refund = Money(currency, amount.amount_minor // 4)
                refunded = await psp.refund(f"k{next(keys)}", authorized.psp_reference, refund)
                _write_fact(facts, refunded.psp_reference, "refund", -refund, 0, clock)
                written += 1
    text = await psp.settlement_report(DAY)
    with open(report_path, "w", newline="") as file:
        file.write(text)
    return len(text.encode())


def _write_fact(facts, reference: str, kind: str, gross, fee: int, clock: _Clock) -> None:
    booked = clock.now + datetime.timedelta(seconds=2)  # the ledger books just after the PSP answered
    facts.writerow(
        (
            reference,
            kind,
            gross.currency_code,
            gross.amount_minor,
            fee,
            booked.isoformat(),
            f"tenants/bench/journalEntries/{reference}",
        )
    )


def _cut(report_path: str, tenth_path: str, lines: int) -> None:
    with open(report_path, newline="") as source, open(tenth_path, "w", newline="") as target:
        target.writelines(itertools.islice(source, lines // 10 + 1))


def _generate_files(lines: int, directory: str) -> dict[str, object]:
    paths = {name: os.path.join(directory, name) for name in ("report.csv", "facts.csv", "tenth.csv")}
    size = asyncio.run(_generate(lines, paths["report.csv"], paths["facts.csv"]))
    _cut(paths["report.csv"], paths["tenth.csv"], lines)
    return {"paths": paths, "bytes": size}


# Measurements, each in a fresh process.


def _imports() -> None:
    from services.invoicing.reconciliation import Reconciler, SettlementReader  # noqa: F401


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _measure_imports() -> dict[str, float]:
    _imports()
    return {"peak_rss_mb": _peak_rss_mb()}


def _measure_parse(report_path: str) -> dict[str, float]:
    from services.invoicing.reconciliation import LineError, SettlementReader

    started = time.perf_counter()
    with open(report_path, "rb") as file:
        reader = SettlementReader(file)
        bad = sum(1 for item in reader if isinstance(item, LineError))
    elapsed = time.perf_counter() - started
    assert bad == 0
    return {"lines": reader.line_count, "seconds": elapsed, "peak_rss_mb": _peak_rss_mb()}


def _measure_reconcile(report_path: str, facts_path: str) -> dict[str, float]:
    from services.invoicing.reconciliation import Reconciler, SettlementReader, SettlementWindow

    started = time.perf_counter()
    reconciler = Reconciler(_read_facts(facts_path), SettlementWindow.of_day(DAY))
    loaded = time.perf_counter()
    with open(report_path, "rb") as file:
        reader = SettlementReader(file)
        for item in reader:
            reconciler.feed(item)
        outcome = reconciler.report(reader)
    finished = time.perf_counter()
    assert outcome.reconciles and outcome.matched_count == reader.line_count, outcome.findings[:5]
    return {
        "lines": reader.line_count,
        "load_facts_seconds": loaded - started,
        "match_seconds": finished - loaded,
        "seconds": finished - started,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _read_facts(path: str):
    """The facts, one row at a time, as the app would stream them out of the journal."""
    from mesh.money import Money
    from services.invoicing.reconciliation import ItemKind, LedgerFact

    kinds = {kind.value: kind for kind in ItemKind}
    with open(path, newline="") as file:
        for reference, kind, currency, gross, fee, booked_at, entry in csv.reader(file):
            yield LedgerFact(
                reference,
                kinds[kind],
                Money(currency, int(gross)),
                Money(currency, int(fee)),
                datetime.datetime.fromisoformat(booked_at),
                entry,
            )


def _in_fresh_process(function, *args):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def measure(lines: int, repeat: int, directory: str) -> dict[str, object]:
    generated = _in_fresh_process(_generate_files, lines, directory)
    paths = generated["paths"]
    parses, tenths, reconciles = [], [], []
    for _ in range(repeat):
        parses.append(_in_fresh_process(_measure_parse, paths["report.csv"]))
        tenths.append(_in_fresh_process(_measure_parse, paths["tenth.csv"]))
        reconciles.append(_in_fresh_process(_measure_reconcile, paths["report.csv"], paths["facts.csv"]))
    parse_s, reconcile_s = _median(parses, "seconds"), _median(reconciles, "seconds")
    match_s = _median(reconciles, "match_seconds")
    return {
        "report_lines": parses[0]["lines"],
        "report_bytes": generated["bytes"],
        "imports_only": _in_fresh_process(_measure_imports),
        "parse": {
            "lines_per_second": round(lines / parse_s),
            "seconds": round(parse_s, 3),
            "peak_rss_mb": _median(parses, "peak_rss_mb"),
        },
        "parse_tenth": {"lines": tenths[0]["lines"], "peak_rss_mb": _median(tenths, "peak_rss_mb")},
        "reconcile": {
            "lines_per_second": round(lines / reconcile_s),
            "seconds": round(reconcile_s, 3),
            "load_facts_seconds": round(_median(reconciles, "load_facts_seconds"), 3),
            "match_lines_per_second": round(lines / match_s),
            "peak_rss_mb": _median(reconciles, "peak_rss_mb"),
        },
        "ratio_reconcile_vs_parse": round(reconcile_s / parse_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        results = {"machine": machine(), "repeat": args.repeat, **measure(args.lines, args.repeat, directory)}
    report(results, args.out)


if __name__ == "__main__":
    main()
