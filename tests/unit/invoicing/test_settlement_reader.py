"""The streaming settlement CSV reader: typed rows or row errors in order, the header's rules,
the content hash over any chunking, and memory that does not grow with the report."""

from __future__ import annotations

import datetime
import hashlib
import io
import tracemalloc

import pytest

from mesh.money import Money
from services.invoicing.reconciliation import (
    ItemKind,
    LedgerFact,
    LineError,
    LineProblem,
    Reconciler,
    SettlementHeaderInvalid,
    SettlementLine,
    SettlementReader,
    SettlementWindow,
)

UTC = datetime.UTC
HEADER = "psp_reference,type,currency,gross_minor,fee_minor,net_minor,settled_at\r\n"
CAPTURE = "cap_1,capture,EUR,1000,59,941,2026-11-21T09:00:00Z\r\n"
REFUND = "ref_1,refund,JPY,-500,0,-500,2026-11-21T10:00:00+00:00\r\n"


def read(content) -> tuple[SettlementReader, list[SettlementLine | LineError]]:
    reader = SettlementReader(content)
    return reader, list(reader)


def test_rows_become_typed_lines_with_their_row_numbers() -> None:
    reader, items = read((HEADER + CAPTURE + REFUND).encode())

    assert items == [
        SettlementLine(2, "cap_1", ItemKind.CAPTURE, "EUR", 1000, 59, datetime.datetime(2026, 11, 21, 9, tzinfo=UTC)),
        SettlementLine(3, "ref_1", ItemKind.REFUND, "JPY", -500, 0, datetime.datetime(2026, 11, 21, 10, tzinfo=UTC)),
    ]
    assert (items[0].gross, items[0].fee, items[0].net) == (Money("EUR", 1000), Money("EUR", 59), Money("EUR", 941))
    assert items[1].gross == Money("JPY", -500)
    assert reader.line_count == 2 and reader.byte_count == len(HEADER + CAPTURE + REFUND)


def test_columns_may_come_in_any_order_with_extra_ones_and_without_settled_at() -> None:
    text = 'batch,NET_MINOR,fee_minor,gross_minor,currency,type,psp_reference\r\nb1,941,59,1000,EUR,capture,"cap,1"\r\n'

    _, items = read(text.encode())

    assert items == [SettlementLine(2, "cap,1", ItemKind.CAPTURE, "EUR", 1000, 59, None)]


def test_a_byte_order_mark_before_the_header_is_not_part_of_the_first_column() -> None:
    _, items = read(b"\xef\xbb\xbf" + (HEADER + CAPTURE).encode())

    assert [item.psp_reference for item in items] == ["cap_1"]


def test_a_header_only_report_has_no_rows() -> None:
    reader, items = read(HEADER.encode())

    assert items == [] and reader.line_count == 0


@pytest.mark.parametrize("content", [b"", b"\r\n", HEADER.replace("fee_minor,", "").encode(), b'"open\r\n'])
def test_a_report_without_a_usable_header_is_refused_as_a_whole(content: bytes) -> None:
    with pytest.raises(SettlementHeaderInvalid) as refused:
        read(content + CAPTURE.encode())

    assert refused.value.reason == "SETTLEMENT_REPORT_INVALID"
    assert refused.value.metadata["line"] == "1"


def test_the_missing_column_is_named() -> None:
    with pytest.raises(SettlementHeaderInvalid) as refused:
        read(HEADER.replace("net_minor,", "").encode())

    assert refused.value.column == "net_minor" and refused.value.metadata["column"] == "net_minor"


@pytest.mark.parametrize(
    ("row", "problem", "column"),
    [
        ("cap_2,capture,EUR,1000,59\r\n", LineProblem.COLUMN_COUNT, ""),
        ("\r\n", LineProblem.COLUMN_COUNT, ""),
        ("cap_2,capture,EUR,ten,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.NOT_A_NUMBER, "gross_minor"),
        ("cap_2,capture,EUR, 1000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.NOT_A_NUMBER, "gross_minor"),
        ("cap_2,capture,EUR,1_000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.NOT_A_NUMBER, "gross_minor"),
        ("cap_2,capture,EUR,10.00,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.FLOAT_AMOUNT, "gross_minor"),
        ("cap_2,capture,EUR,1000,5.9e1,941,2026-11-21T09:00:00Z\r\n", LineProblem.FLOAT_AMOUNT, "fee_minor"),
        ("cap_2,capture,EUR,1000,59,.5,2026-11-21T09:00:00Z\r\n", LineProblem.FLOAT_AMOUNT, "net_minor"),
        ("cap_2,capture,eur,1000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.UNKNOWN_CURRENCY, "currency"),
        ("cap_2,capture,XAU,1000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.UNKNOWN_CURRENCY, "currency"),
        ("cap_2,Capture,EUR,1000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.UNKNOWN_TYPE, "type"),
        ("cap_2,capture,EUR,1000,59,940,2026-11-21T09:00:00Z\r\n", LineProblem.NET_NOT_GROSS_MINUS_FEE, "net_minor"),
        ("cap_2,refund,EUR,1000,59,941,2026-11-21T09:00:00Z\r\n", LineProblem.WRONG_SIGN, "gross_minor"),
        ("cap_2,capture,EUR,0,0,0,2026-11-21T09:00:00Z\r\n", LineProblem.WRONG_SIGN, "gross_minor"),
        ("cap_2,capture,EUR,1000,59,941,2026-11-21T09:00:00\r\n", LineProblem.BAD_TIMESTAMP, "settled_at"),
        (
            "cap_2,capture,EUR,99999999999999999999,0,99999999999999999999,x\r\n",
            LineProblem.OUT_OF_RANGE,
            "gross_minor",
        ),
    ],
)
def test_each_bad_row_is_an_error_at_its_row_and_the_rows_around_it_still_read(
    row: str, problem: LineProblem, column: str
) -> None:
    _, items = read((HEADER + CAPTURE + row + REFUND).encode())

    assert [type(item) for item in items] == [SettlementLine, LineError, SettlementLine]
    error = items[1]
    assert (error.line_number, error.problem, error.column) == (3, problem, column)
    assert error.psp_reference == ("" if row == "\r\n" else "cap_2")
    assert items[2].line_number == 4


def test_an_empty_reference_is_an_error() -> None:
    _, items = read((HEADER + " ,capture,EUR,1000,59,941,2026-11-21T09:00:00Z\r\n").encode())

    assert items[0].problem is LineProblem.EMPTY_REFERENCE


def test_a_row_number_counts_records_not_physical_lines() -> None:
    quoted = 'cap_2,capture,EUR,1000,59,941,"2026-11-21T09:00:00Z\r\nnote"\r\n'

    _, items = read((HEADER + quoted + REFUND).encode())

    assert [(item.line_number, getattr(item, "problem", None)) for item in items] == [
        (2, LineProblem.BAD_TIMESTAMP),
        (3, None),
    ]


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 1 << 20])
def test_the_content_hash_is_the_sha256_of_the_bytes_however_they_arrive(chunk_size: int) -> None:
    content = (HEADER + CAPTURE * 50 + "x,\xe9,EUR,1,0,1,y\r\n" + REFUND).encode()
    chunks = (content[start : start + chunk_size] for start in range(0, len(content), chunk_size))

    reader, items = read(chunks)

    assert reader.content_sha256 == hashlib.sha256(content).digest()
    assert len(items) == 52 and items[50].problem is LineProblem.UNKNOWN_TYPE


def test_a_binary_file_is_read_in_chunks() -> None:
    reader, items = read(io.BytesIO((HEADER + CAPTURE).encode()))

    assert len(items) == 1 and reader.content_sha256 == hashlib.sha256((HEADER + CAPTURE).encode()).digest()


def test_the_hash_is_not_known_before_the_end() -> None:
    reader = SettlementReader((HEADER + CAPTURE).encode())

    with pytest.raises(RuntimeError):
        reader.content_sha256  # noqa: B018


def synthetic_report(rows: int):
    """A report of `rows` captures, made chunk by chunk (never whole in memory)."""
    yield HEADER.encode()
    batch = []
    for n in range(rows):
        batch.append(f"cap_{n:08d},capture,EUR,{1000 + n % 977},59,{941 + n % 977},2026-11-21T09:00:00Z\r\n")
        if len(batch) == 500:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode()


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def test_reading_keeps_no_row_so_memory_does_not_grow_with_the_report() -> None:
    def count(rows: int):
        return lambda: sum(1 for _ in SettlementReader(synthetic_report(rows)))

    small, large = peak_bytes(count(1_000)), peak_bytes(count(20_000))

    assert large < 1_000_000  # keeping the rows would take about 8 MB
    assert large < small + 100_000  # 20× the rows, the same footprint


def test_matching_rows_allocates_nothing_that_outlives_them() -> None:
    rows = 12_000
    booked = datetime.datetime(2026, 11, 21, 9, tzinfo=datetime.UTC)
    facts = [
        LedgerFact(f"cap_{n:08d}", ItemKind.CAPTURE, Money("EUR", 1000 + n % 977), Money("EUR", 59), booked)
        for n in range(rows)
    ]
    reconciler = Reconciler(facts, SettlementWindow.of_day(booked.date()))
    reader = SettlementReader(synthetic_report(rows))

    def reconcile_all() -> None:
        for item in reader:
            reconciler.feed(item)

    assert peak_bytes(reconcile_all) < 1_000_000  # the facts (several MB) were there before
    report = reconciler.report(reader)
    assert report.matched_count == rows and report.findings == ()
