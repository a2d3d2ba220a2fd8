"""A reconciliation report (the pure reconciliation.ReconciliationReport) as the contract's
ReconciliationReport, and its ReconciliationCompleted event."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import events_pb2
from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from services.invoicing.reconciliation import Category, ReconciliationReport, SettlementWindow

_KINDS = {
    Category.MISSING_IN_LEDGER: rr.MISMATCH_KIND_MISSING_IN_LEDGER,
    Category.MISSING_IN_SETTLEMENT: rr.MISMATCH_KIND_MISSING_IN_SETTLEMENT,
    Category.AMOUNT_MISMATCH: rr.MISMATCH_KIND_AMOUNT_MISMATCH,
    Category.FEE_MISMATCH: rr.MISMATCH_KIND_FEE_MISMATCH,
    Category.CURRENCY_MISMATCH: rr.MISMATCH_KIND_CURRENCY_MISMATCH,
    Category.DUPLICATE: rr.MISMATCH_KIND_DUPLICATE,
    Category.TIMING: rr.MISMATCH_KIND_TIMING,
}


def report_message(
    report: ReconciliationReport,
    *,
    name: str,
    psp: str,
    settlement_date: str,
    window: SettlementWindow,
    created_at: datetime.datetime,
) -> rr.ReconciliationReport:
    message = rr.ReconciliationReport(
        name=name,
        psp=psp,
        settlement_date=settlement_date,
        format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
        content_sha256=report.content_sha256,
        line_count=report.line_count,
        matched_count=report.matched_count,
        mismatched_count=report.mismatched_count,
        timing_count=report.timing_count,
        totals=[_total(totals) for totals in report.totals],
        mismatches=[_mismatch(finding) for finding in report.findings],
    )
    message.period_start_time.FromDatetime(window.start)
    message.period_end_time.FromDatetime(window.end)
    message.create_time.FromDatetime(created_at)
    return message


def reconciliation_completed(report: rr.ReconciliationReport) -> events_pb2.ReconciliationCompleted:
    return events_pb2.ReconciliationCompleted(
        reconciliation_report=report.name,
        psp=report.psp,
        settlement_date=report.settlement_date,
        line_count=report.line_count,
        matched_count=report.matched_count,
        mismatched_count=report.mismatched_count,
    )


def _mismatch(finding) -> rr.ReconciliationMismatch:
    message = rr.ReconciliationMismatch(
        kind=_KINDS[finding.category],
        psp_reference=finding.psp_reference,
        line_number=finding.line_number,
        journal_entry=finding.journal_entry,
    )
    if finding.expected is not None:
        message.expected.CopyFrom(finding.expected.to_proto())
    if finding.actual is not None:
        message.actual.CopyFrom(finding.actual.to_proto())
    return message


def _total(totals) -> rr.ReconciliationTotal:
    return rr.ReconciliationTotal(
        settlement_gross=totals.settlement_gross.to_proto(),
        settlement_fees=totals.settlement_fees.to_proto(),
        settlement_net=totals.settlement_net.to_proto(),
        ledger_gross=totals.ledger_gross.to_proto(),
        ledger_fees=totals.ledger_fees.to_proto(),
        ledger_net=totals.ledger_net.to_proto(),
    )
