"""ReconciliationService over gRPC: the uploaded report streams through the reconciliation use
case; stored reports are read back as they were stored."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import reconciliation_service_pb2 as rs, reconciliation_service_pb2_grpc
from mesh import context as request_context
from mesh.pagination import issue_token, position_of
from services.invoicing.reconciliation import SettlementWindow
from services.invoicing.reconciling import ReconciliationUseCases
from services.invoicing.refusals import mapped

DEFAULT_PAGE_SIZE = 50


class ReconciliationApi(reconciliation_service_pb2_grpc.ReconciliationServiceServicer):
    def __init__(self, reconciliation: ReconciliationUseCases) -> None:
        self._reconciliation = reconciliation

    @mapped
    async def ReconcileSettlement(self, request, context):
        report = await self._reconciliation.reconcile(_tenant(), request.psp, request.settlement_date,
                                                      request.content, _window(request))
        return rs.ReconcileSettlementResponse(reconciliation_report=report)

    @mapped
    async def GetReconciliationReport(self, request, context):
        report = await self._reconciliation.get(_tenant(), request.name.split("/")[3])
        return rs.GetReconciliationReportResponse(reconciliation_report=report)

    @mapped
    async def ListReconciliationReports(self, request, context):
        size = request.page_size or DEFAULT_PAGE_SIZE
        offset = position_of(request.page_token, request.parent, request.psp)
        reports = await self._reconciliation.list(_tenant(), request.psp, offset=offset, limit=size + 1)
        token = issue_token(offset + size, request.parent, request.psp) if len(reports) > size else ""
        return rs.ListReconciliationReportsResponse(reconciliation_reports=reports[:size], next_page_token=token)


def _window(request: rs.ReconcileSettlementRequest) -> SettlementWindow:
    """The period asked for, or the settlement date from 00:00 to 24:00 UTC."""
    if request.HasField("period_start_time"):
        return SettlementWindow(request.period_start_time.ToDatetime(tzinfo=datetime.UTC),
                                request.period_end_time.ToDatetime(tzinfo=datetime.UTC))
    return SettlementWindow.of_day(datetime.date.fromisoformat(request.settlement_date))


def _tenant() -> str:
    return request_context.current().tenant
