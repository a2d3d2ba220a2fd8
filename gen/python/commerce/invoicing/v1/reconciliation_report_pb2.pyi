import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SettlementReportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTLEMENT_REPORT_FORMAT_UNSPECIFIED: _ClassVar[SettlementReportFormat]
    SETTLEMENT_REPORT_FORMAT_CSV: _ClassVar[SettlementReportFormat]

class MismatchKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MISMATCH_KIND_UNSPECIFIED: _ClassVar[MismatchKind]
    MISMATCH_KIND_MISSING_IN_LEDGER: _ClassVar[MismatchKind]
    MISMATCH_KIND_MISSING_IN_SETTLEMENT: _ClassVar[MismatchKind]
    MISMATCH_KIND_AMOUNT_MISMATCH: _ClassVar[MismatchKind]
    MISMATCH_KIND_FEE_MISMATCH: _ClassVar[MismatchKind]
    MISMATCH_KIND_CURRENCY_MISMATCH: _ClassVar[MismatchKind]
    MISMATCH_KIND_DUPLICATE: _ClassVar[MismatchKind]
    MISMATCH_KIND_TIMING: _ClassVar[MismatchKind]
SETTLEMENT_REPORT_FORMAT_UNSPECIFIED: SettlementReportFormat
SETTLEMENT_REPORT_FORMAT_CSV: SettlementReportFormat
MISMATCH_KIND_UNSPECIFIED: MismatchKind
MISMATCH_KIND_MISSING_IN_LEDGER: MismatchKind
MISMATCH_KIND_MISSING_IN_SETTLEMENT: MismatchKind
MISMATCH_KIND_AMOUNT_MISMATCH: MismatchKind
MISMATCH_KIND_FEE_MISMATCH: MismatchKind
MISMATCH_KIND_CURRENCY_MISMATCH: MismatchKind
MISMATCH_KIND_DUPLICATE: MismatchKind
MISMATCH_KIND_TIMING: MismatchKind

class ReconciliationMismatch(_message.Message):
    __slots__ = ("kind", "psp_reference", "expected", "actual", "line_number", "journal_entry")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PSP_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_ENTRY_FIELD_NUMBER: _ClassVar[int]
    kind: MismatchKind
    psp_reference: str
    expected: _money_pb2.Money
    actual: _money_pb2.Money
    line_number: int
    journal_entry: str
    def __init__(self, kind: _Optional[_Union[MismatchKind, str]] = ..., psp_reference: _Optional[str] = ..., expected: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., actual: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., line_number: _Optional[int] = ..., journal_entry: _Optional[str] = ...) -> None: ...

class ReconciliationTotal(_message.Message):
    __slots__ = ("settlement_gross", "settlement_fees", "settlement_net", "ledger_gross", "ledger_fees", "ledger_net")
    SETTLEMENT_GROSS_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_FEES_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_NET_FIELD_NUMBER: _ClassVar[int]
    LEDGER_GROSS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FEES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_NET_FIELD_NUMBER: _ClassVar[int]
    settlement_gross: _money_pb2.Money
    settlement_fees: _money_pb2.Money
    settlement_net: _money_pb2.Money
    ledger_gross: _money_pb2.Money
    ledger_fees: _money_pb2.Money
    ledger_net: _money_pb2.Money
    def __init__(self, settlement_gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., settlement_fees: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., settlement_net: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., ledger_gross: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., ledger_fees: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., ledger_net: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ReconciliationReport(_message.Message):
    __slots__ = ("name", "psp", "settlement_date", "format", "content_sha256", "period_start_time", "period_end_time", "line_count", "matched_count", "mismatched_count", "totals", "mismatches", "create_time", "timing_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PSP_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISMATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMING_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    psp: str
    settlement_date: str
    format: SettlementReportFormat
    content_sha256: bytes
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    line_count: int
    matched_count: int
    mismatched_count: int
    totals: _containers.RepeatedCompositeFieldContainer[ReconciliationTotal]
    mismatches: _containers.RepeatedCompositeFieldContainer[ReconciliationMismatch]
    create_time: _timestamp_pb2.Timestamp
    timing_count: int
    def __init__(self, name: _Optional[str] = ..., psp: _Optional[str] = ..., settlement_date: _Optional[str] = ..., format: _Optional[_Union[SettlementReportFormat, str]] = ..., content_sha256: _Optional[bytes] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., line_count: _Optional[int] = ..., matched_count: _Optional[int] = ..., mismatched_count: _Optional[int] = ..., totals: _Optional[_Iterable[_Union[ReconciliationTotal, _Mapping]]] = ..., mismatches: _Optional[_Iterable[_Union[ReconciliationMismatch, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timing_count: _Optional[int] = ...) -> None: ...
