"""ReconciliationService over gRPC: the uploaded report streams through the reconciliation use
case; stored reports are read back as they were stored."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
from commerce.invoicing.v1 import reconciliation_service_pb2_grpc
from mesh.context import current_tenant
from mesh.pagination import PageRequest
from mesh.resources import ResourceName
from services.invoicing.reconciliation import SettlementWindow
from services.invoicing.reconciling import ReconciliationUseCases
from services.invoicing.refusals import mapped

RECONCILIATION_REPORT = ResourceName("tenants/{tenant}/reconciliationReports/{reconciliation_report}")


class ReconciliationApi(reconciliation_service_pb2_grpc.ReconciliationServiceServicer):
    def __init__(self, reconciliation: ReconciliationUseCases) -> None:
        self._reconciliation = reconciliation

    @mapped
    async def ReconcileSettlement(self, request, context):
        report = await self._reconciliation.reconcile(
            current_tenant(), request.psp, request.settlement_date, request.content, _window(request)
        )
        return rs.ReconcileSettlementResponse(reconciliation_report=report)

    @mapped
    async def GetReconciliationReport(self, request, context):
        report_id = RECONCILIATION_REPORT.parse(request.name)["reconciliation_report"]
        report = await self._reconciliation.get(current_tenant(), report_id)
        return rs.GetReconciliationReportResponse(reconciliation_report=report)

    @mapped
    async def ListReconciliationReports(self, request, context):
        page = PageRequest.of(request.page_size, request.page_token, request.parent, request.psp)
        reports = await self._reconciliation.list(current_tenant(), request.psp, page)
        return rs.ListReconciliationReportsResponse(
            reconciliation_reports=reports.items, next_page_token=reports.next_page_token
        )


def _window(request: rs.ReconcileSettlementRequest) -> SettlementWindow:
    """The period asked for, or the settlement date from 00:00 to 24:00 UTC."""
    if request.HasField("period_start_time"):
        return SettlementWindow(
            request.period_start_time.ToDatetime(tzinfo=datetime.UTC),
            request.period_end_time.ToDatetime(tzinfo=datetime.UTC),
        )
    return SettlementWindow.of_day(datetime.date.fromisoformat(request.settlement_date))
