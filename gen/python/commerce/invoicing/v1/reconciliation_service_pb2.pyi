import datetime

from buf.validate import validate_pb2 as _validate_pb2
from commerce.invoicing.v1 import reconciliation_report_pb2 as _reconciliation_report_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReconcileSettlementRequest(_message.Message):
    __slots__ = ("parent", "request_id", "psp", "settlement_date", "format", "content", "period_start_time", "period_end_time")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    request_id: str
    psp: str
    settlement_date: str
    format: _reconciliation_report_pb2.SettlementReportFormat
    content: bytes
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    def __init__(self, parent: _Optional[str] = ..., request_id: _Optional[str] = ..., psp: _Optional[str] = ..., settlement_date: _Optional[str] = ..., format: _Optional[_Union[_reconciliation_report_pb2.SettlementReportFormat, str]] = ..., content: _Optional[bytes] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReconcileSettlementResponse(_message.Message):
    __slots__ = ("reconciliation_report",)
    RECONCILIATION_REPORT_FIELD_NUMBER: _ClassVar[int]
    reconciliation_report: _reconciliation_report_pb2.ReconciliationReport
    def __init__(self, reconciliation_report: _Optional[_Union[_reconciliation_report_pb2.ReconciliationReport, _Mapping]] = ...) -> None: ...

class GetReconciliationReportRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetReconciliationReportResponse(_message.Message):
    __slots__ = ("reconciliation_report",)
    RECONCILIATION_REPORT_FIELD_NUMBER: _ClassVar[int]
    reconciliation_report: _reconciliation_report_pb2.ReconciliationReport
    def __init__(self, reconciliation_report: _Optional[_Union[_reconciliation_report_pb2.ReconciliationReport, _Mapping]] = ...) -> None: ...

class ListReconciliationReportsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "psp")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    psp: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., psp: _Optional[str] = ...) -> None: ...

class ListReconciliationReportsResponse(_message.Message):
    __slots__ = ("reconciliation_reports", "next_page_token")
    RECONCILIATION_REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reconciliation_reports: _containers.RepeatedCompositeFieldContainer[_reconciliation_report_pb2.ReconciliationReport]
    next_page_token: str
    def __init__(self, reconciliation_reports: _Optional[_Iterable[_Union[_reconciliation_report_pb2.ReconciliationReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
