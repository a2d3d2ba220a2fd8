"""The outcome of reconciling one settlement report: a deterministic value of the report's
bytes and the ledger's facts (no clock in it), so the same file against the same ledger gives
an equal report, and its content_sha256 tells uploads apart.

Rows that agree exactly are counted, not listed; every other row is a Finding, in row order,
then the ledger's unsettled facts in ledger order. TIMING (booked near the cut-off, expected in
the next report) is listed but is not a mismatch.
"""

from __future__ import annotations

import dataclasses
import enum

from mesh.money import Money
from services.invoicing.reconciliation.items import LineError

__all__ = ["Category", "CurrencyTotals", "Finding", "ReconciliationReport"]


class Category(enum.Enum):
    MATCHED = "matched"
    MISSING_IN_LEDGER = "missing_in_ledger"
    MISSING_IN_SETTLEMENT = "missing_in_settlement"
    AMOUNT_MISMATCH = "amount_mismatch"  # gross amounts differ
    FEE_MISMATCH = "fee_mismatch"  # gross agrees, fees differ
    CURRENCY_MISMATCH = "currency_mismatch"
    DUPLICATE = "duplicate"  # a reference on a second row, or already settled by an earlier report
    TIMING = "timing"  # booked near the cut-off, not in this report: expected in the next
    INVALID_LINE = "invalid_line"  # a row that could not be read (see the report's invalid_lines)


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One row or fact that does not simply agree. `expected` is the ledger's figure (the gross,
    or the fee for FEE_MISMATCH), `actual` the report's; line_number is 0 for ledger-side ones."""

    category: Category
    psp_reference: str
    expected: Money | None
    actual: Money | None
    line_number: int
    journal_entry: str = ""


@dataclasses.dataclass(frozen=True)
class CurrencyTotals:
    """Both sides in one currency. The settlement side sums every readable row; the ledger side
    the facts those rows settle (each once; not those an earlier report settled) and the facts
    missing from the report (not TIMING ones, which the next report settles), so the difference
    is exactly what the findings explain. Gross is captures minus refunds; net is gross − fees."""

    currency_code: str
    settlement_gross: Money
    settlement_fees: Money
    settlement_net: Money
    ledger_gross: Money
    ledger_fees: Money
    ledger_net: Money


@dataclasses.dataclass(frozen=True)
class ReconciliationReport:
    content_sha256: bytes
    byte_count: int
    line_count: int  # item rows read, header excluded, readable or not
    matched_count: int
    findings: tuple[Finding, ...]
    totals: tuple[CurrencyTotals, ...]  # ordered by currency code
    invalid_lines: tuple[LineError, ...]  # the first ones, up to the reconciler's limit
    invalid_line_count: int

    @property
    def mismatched_count(self) -> int:
        return sum(1 for finding in self.findings if finding.category is not Category.TIMING)

    @property
    def timing_count(self) -> int:
        return len(self.findings) - self.mismatched_count

    @property
    def readable(self) -> bool:
        """Every row could be read; otherwise the contract refuses the report (SETTLEMENT_REPORT_INVALID)."""
        return self.invalid_line_count == 0

    @property
    def reconciles(self) -> bool:
        return self.readable and self.mismatched_count == 0
