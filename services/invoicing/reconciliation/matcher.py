"""Matching a settlement report's rows against the ledger's facts, by PSP reference, to the cent.

For each readable row, in file order:
- no fact for its reference: MISSING_IN_LEDGER, or DUPLICATE if an earlier row had it;
- a fact an earlier report already settled, or a reference an earlier row of this report
  settled: DUPLICATE;
- otherwise the first difference, in this order: CURRENCY_MISMATCH, AMOUNT_MISMATCH (gross),
  FEE_MISMATCH; or MATCHED.
An unreadable row is kept as an invalid line; if its reference could be read, it accounts for
that fact, which is therefore not also reported missing. Then every fact no row settled:
booked in the window's period, MISSING_IN_SETTLEMENT, or TIMING when booked within the cut-off
tolerance before its end; booked outside the period (the tolerance margins), or already
settled by an earlier report, nothing: it belongs to another report.

Memory: the facts of one window (a list, an index by reference and one byte per fact saying
whether a row settled it), the references of rows the ledger does not know (each is also a
finding), the findings, at most `max_invalid_lines` invalid lines, and one running total per
currency. A row that matches allocates nothing that outlives it, so a report of any length
costs what its ledger window costs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from mesh.money import Money
from services.invoicing.reconciliation.facts import LedgerFact, SettlementWindow
from services.invoicing.reconciliation.items import LineError, SettlementLine
from services.invoicing.reconciliation.report import Category, CurrencyTotals, Finding, ReconciliationReport
from services.invoicing.reconciliation.settlement_reader import MAX_REPORT_BYTES, SettlementReader

__all__ = ["DEFAULT_MAX_INVALID_LINES", "Reconciler", "reconcile"]

DEFAULT_MAX_INVALID_LINES = 1000
_SETTLEMENT, _LEDGER = 0, 3  # offsets of each side's (gross, fees, net) in a currency's totals


class Reconciler:
    """Feed it every item of one report, in order, then ask for the report."""

    def __init__(
        self,
        facts: Iterable[LedgerFact],
        window: SettlementWindow,
        *,
        max_invalid_lines: int = DEFAULT_MAX_INVALID_LINES,
    ) -> None:
        self._window = window
        self._facts = list(facts)
        self._index = _by_reference(self._facts)
        self._settled = bytearray(len(self._facts))  # 1 once a row settled facts[i]
        self._unknown: set[str] = set()
        self._findings: list[Finding] = []
        self._invalid: list[LineError] = []
        self._invalid_count, self._matched, self._max_invalid = 0, 0, max_invalid_lines
        self._totals: dict[str, list[int]] = {}

    def feed(self, item: SettlementLine | LineError) -> Category:
        """Reconcile one row; its category is returned for callers that stream results."""
        if isinstance(item, LineError):
            return self._unreadable(item)
        self._add(_SETTLEMENT, item.currency_code, item.gross_minor, item.fee_minor)
        category = self._match(item)
        if category is Category.MATCHED:
            self._matched += 1
        return category

    def report(self, reader: SettlementReader) -> ReconciliationReport:
        """The report, once `reader` (the source of what was fed) is exhausted."""
        for fact, settled in zip(self._facts, self._settled, strict=True):
            if not settled:
                self._unsettled(fact)
        return ReconciliationReport(
            reader.content_sha256,
            reader.byte_count,
            reader.line_count,
            self._matched,
            tuple(self._findings),
            self._currency_totals(),
            tuple(self._invalid),
            self._invalid_count,
        )

    # One row.

    def _match(self, line: SettlementLine) -> Category:
        index = self._index.get(line.psp_reference)
        if index is None:
            return self._unknown_reference(line)
        fact = self._facts[index]
        if self._settled[index]:
            return self._found(Category.DUPLICATE, line, fact.gross, line.gross, fact)
        self._settled[index] = 1
        if fact.settled_on:
            return self._found(Category.DUPLICATE, line, fact.gross, line.gross, fact)
        self._add_fact(fact)
        if fact.gross.currency_code != line.currency_code:
            return self._found(Category.CURRENCY_MISMATCH, line, fact.gross, line.gross, fact)
        if fact.gross.amount_minor != line.gross_minor:
            return self._found(Category.AMOUNT_MISMATCH, line, fact.gross, line.gross, fact)
        if fact.fee.amount_minor != line.fee_minor:
            return self._found(Category.FEE_MISMATCH, line, fact.fee, line.fee, fact)
        return Category.MATCHED

    def _unknown_reference(self, line: SettlementLine) -> Category:
        """A reference the ledger has no fact for: missing, or a duplicate of an earlier such row."""
        if line.psp_reference in self._unknown:
            return self._found(Category.DUPLICATE, line, None, line.gross, None)
        self._unknown.add(line.psp_reference)
        return self._found(Category.MISSING_IN_LEDGER, line, None, line.gross, None)

    def _unreadable(self, error: LineError) -> Category:
        self._invalid_count += 1
        if len(self._invalid) < self._max_invalid:
            self._invalid.append(error)
        index = self._index.get(error.psp_reference) if error.psp_reference else None
        if index is not None:
            self._settled[index] = 1  # the row stands for its fact, unreadable as it is
        return Category.INVALID_LINE

    def _found(
        self,
        category: Category,
        line: SettlementLine,
        expected: Money | None,
        actual: Money | None,
        fact: LedgerFact | None,
    ) -> Category:
        self._findings.append(
            Finding(
                category, line.psp_reference, expected, actual, line.line_number, fact.journal_entry if fact else ""
            )
        )
        return category

    # The facts no row settled.

    def _unsettled(self, fact: LedgerFact) -> None:
        if fact.settled_on or not self._window.covers(fact.booked_at):
            return
        if self._window.near_cutoff(fact.booked_at):
            category = Category.TIMING
        else:
            category = Category.MISSING_IN_SETTLEMENT
            self._add_fact(fact)
        self._findings.append(Finding(category, fact.psp_reference, fact.gross, None, 0, fact.journal_entry))

    # Totals.

    def _add_fact(self, fact: LedgerFact) -> None:
        self._add(_LEDGER, fact.gross.currency_code, fact.gross.amount_minor, fact.fee.amount_minor)

    def _add(self, side: int, currency: str, gross: int, fee: int) -> None:
        sums = self._totals.get(currency)
        if sums is None:
            sums = self._totals[currency] = [0] * 6
        sums[side] += gross
        sums[side + 1] += fee
        sums[side + 2] += gross - fee

    def _currency_totals(self) -> tuple[CurrencyTotals, ...]:
        return tuple(
            CurrencyTotals(code, *(Money(code, amount) for amount in sums))
            for code, sums in sorted(self._totals.items())
        )


def reconcile(
    content: bytes | BinaryIO | Iterable[bytes],
    facts: Iterable[LedgerFact],
    window: SettlementWindow,
    *,
    max_bytes: int = MAX_REPORT_BYTES,
) -> ReconciliationReport:
    """Read `content` (bytes, a binary file or byte chunks) once and reconcile it against `facts`."""
    reader = SettlementReader(content, max_bytes=max_bytes)
    reconciler = Reconciler(facts, window)
    for item in reader:
        reconciler.feed(item)
    return reconciler.report(reader)


def _by_reference(facts: list[LedgerFact]) -> dict[str, int]:
    """Each fact's position by reference; a reference booked twice is a ledger bug."""
    index = {fact.psp_reference: position for position, fact in enumerate(facts)}
    if len(index) != len(facts):
        raise ValueError("the ledger books a PSP reference twice")
    return index
