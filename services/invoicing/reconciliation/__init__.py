"""Reconciliation of PSP settlement reports against the ledger: pure and streaming.

settlement_reader.py reads the CSV row by row (hashing it as it goes), facts.py is what the
ledger expects the PSP to settle and the window it is judged in, matcher.py matches rows to
facts by PSP reference, report.py is the outcome. No I/O, no clock, no proto: the app layer
opens the upload, reads the facts from the journal, stores the report and maps errors.
"""

from services.invoicing.reconciliation.errors import SettlementHeaderInvalid, SettlementRejected, SettlementTooLarge
from services.invoicing.reconciliation.facts import DEFAULT_CUTOFF_TOLERANCE, LedgerFact, SettlementWindow
from services.invoicing.reconciliation.items import ItemKind, LineError, LineProblem, SettlementLine
from services.invoicing.reconciliation.matcher import Reconciler, reconcile
from services.invoicing.reconciliation.report import Category, CurrencyTotals, Finding, ReconciliationReport
from services.invoicing.reconciliation.settlement_reader import MAX_REPORT_BYTES, REQUIRED_COLUMNS, SettlementReader

__all__ = [
    "DEFAULT_CUTOFF_TOLERANCE",
    "MAX_REPORT_BYTES",
    "REQUIRED_COLUMNS",
    "Category",
    "CurrencyTotals",
    "Finding",
    "ItemKind",
    "LedgerFact",
    "LineError",
    "LineProblem",
    "ReconciliationReport",
    "Reconciler",
    "SettlementHeaderInvalid",
    "SettlementLine",
    "SettlementReader",
    "SettlementRejected",
    "SettlementTooLarge",
    "SettlementWindow",
    "reconcile",
]
