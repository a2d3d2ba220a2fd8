"""The reconciliation use cases: reconcile one settlement report, read the stored reports.

The upload streams through SettlementReader into the Reconciler row by row (memory is the
ledger window's facts, never the file); the facts come from psp_items, read before and outside
the phase that stores the report. A report is keyed by (PSP, content SHA-256): the same file
again answers the stored report, unchanged. Any unreadable row refuses the whole report
(SETTLEMENT_REPORT_INVALID, with its row numbers) and stores nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable

from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from mesh.events import EventWriter
from mesh.idempotency import atomic_phase
from mesh.ids import derive_id
from mesh.pagination import Page, PageRequest
from mesh.persistence import Database
from services.invoicing import reconciliation_store
from services.invoicing.domain.billing_errors import BillingError
from services.invoicing.invoices import SOURCE, TOPIC
from services.invoicing.reconciliation import (
    Reconciler,
    ReconciliationReport,
    SettlementLine,
    SettlementReader,
    SettlementRejected,
    SettlementWindow,
)
from services.invoicing.report_messages import reconciliation_completed, report_message


class SettlementLinesInvalid(SettlementRejected):
    """Rows that could not be read: the report reconciles nothing."""

    def __init__(self, report: ReconciliationReport) -> None:
        first = report.invalid_lines[0]
        super().__init__(
            f"{report.invalid_line_count} row(s) of the settlement report cannot be read; "
            f"row {first.line_number}: {first.detail}",
            line=str(first.line_number),
            column=first.column,
            invalid_line_count=str(report.invalid_line_count),
        )
        self.invalid_lines = report.invalid_lines


class ReportNotFound(BillingError):
    reason, code = "NOT_FOUND", "NOT_FOUND"


class ReconciliationUseCases:
    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime.datetime],
        writer: EventWriter = EventWriter(SOURCE, TOPIC),
    ) -> None:
        self.db = database
        self._now = clock
        self._writer = writer

    async def reconcile(
        self, tenant: str, psp: str, settlement_date: str, content: bytes | Iterable[bytes], window: SettlementWindow
    ) -> rr.ReconciliationReport:
        if isinstance(content, bytes):  # known already: answer it without reading the ledger
            stored = await self._stored(tenant, psp, hashlib.sha256(content).digest())
            if stored is not None:
                return stored
        result, settled = await self._matched(tenant, psp, content, window)
        name = f"tenants/{tenant}/reconciliationReports/{_report_id(tenant, psp, result.content_sha256)}"
        report = report_message(
            result, name=name, psp=psp, settlement_date=settlement_date, window=window, created_at=self._now()
        )
        return await self._store(tenant, psp, report, settled)

    async def get(self, tenant: str, report_id: str) -> rr.ReconciliationReport:
        async with self.db.read() as conn:
            report = await reconciliation_store.load_report(conn, tenant, report_id)
        if report is None:
            raise ReportNotFound(f"no reconciliation report {report_id[:64]!r}")
        return report

    async def list(self, tenant: str, psp: str, page: PageRequest) -> Page[rr.ReconciliationReport]:
        async with self.db.read() as conn:
            return await reconciliation_store.list_reports(conn, tenant, psp, page)

    async def _matched(
        self, tenant: str, psp: str, content: bytes | Iterable[bytes], window: SettlementWindow
    ) -> tuple[ReconciliationReport, set[str]]:
        """The pure report, and the references of ledger facts its rows settle."""
        margin = window.cutoff_tolerance
        async with self.db.read() as conn:
            facts = await reconciliation_store.facts(
                conn, tenant, psp, since=window.start - margin, until=window.end + margin
            )
        # The facts' own reference strings, so what `settled` keeps is bounded by the facts, not the file.
        known, settled = {fact.psp_reference: fact.psp_reference for fact in facts}, set()
        reader, reconciler = SettlementReader(content), Reconciler(facts, window)
        for item in reader:
            reconciler.feed(item)
            if isinstance(item, SettlementLine) and item.psp_reference in known:
                settled.add(known[item.psp_reference])
        result = reconciler.report(reader)
        if not result.readable:
            raise SettlementLinesInvalid(result)
        return result, settled

    async def _store(
        self, tenant: str, psp: str, report: rr.ReconciliationReport, settled: set[str]
    ) -> rr.ReconciliationReport:
        async with atomic_phase(self.db, "reconciliation_stored") as conn:
            created = await reconciliation_store.insert_report(
                conn,
                tenant,
                report.name.split("/")[3],
                psp,
                report.content_sha256,
                report.create_time.ToDatetime(tzinfo=datetime.UTC),
                report,
            )
            if not created:  # the same file, reconciled meanwhile: its first report stands
                first = await reconciliation_store.report_by_content(conn, tenant, psp, report.content_sha256)
                if first is None:  # never: the insert met its row (the id, too, derives from the content)
                    raise RuntimeError("the stored report of this content is gone")
                return first
            await reconciliation_store.mark_settled(conn, tenant, psp, settled, report.settlement_date)
            await self._writer.emit(conn, reconciliation_completed(report), subject=report.name, tenant=tenant)
        return report

    async def _stored(self, tenant: str, psp: str, content_sha256: bytes) -> rr.ReconciliationReport | None:
        async with self.db.read() as conn:
            return await reconciliation_store.report_by_content(conn, tenant, psp, content_sha256)


def _report_id(tenant: str, psp: str, content_sha256: bytes) -> str:
    return derive_id("rr", tenant, f"{psp}:{content_sha256.hex()}")
