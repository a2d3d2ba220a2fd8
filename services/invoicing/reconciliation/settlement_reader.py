"""Streaming reader of a PSP settlement CSV (the contract's SETTLEMENT_REPORT_FORMAT_CSV).

RFC 4180, UTF-8, a header row naming at least psp_reference, type, currency, gross_minor,
fee_minor and net_minor (any order; settled_at is read when present; other columns are
ignored), one settled item per row, amounts in integer minor units with net = gross − fee.

Iterating a SettlementReader yields, in file order, a SettlementLine for every good row and a
LineError for every bad one (with its row number), so a malformed row is never silently
skipped. The bytes are hashed (SHA-256) and counted as they are read; reading stops with
SettlementTooLarge as soon as they pass the limit. Memory is one 64 KiB buffer and one row,
whatever the size of the report: nothing read is kept.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from mesh.money import is_known_currency
from services.invoicing.reconciliation.errors import SettlementHeaderInvalid, SettlementTooLarge
from services.invoicing.reconciliation.items import ItemKind, LineError, LineProblem, SettlementLine

__all__ = ["MAX_REPORT_BYTES", "REQUIRED_COLUMNS", "SettlementReader"]

# ReconcileSettlementRequest.content accepts 10 MiB.
MAX_REPORT_BYTES = 10 * 1024 * 1024
REQUIRED_COLUMNS = ("psp_reference", "type", "currency", "gross_minor", "fee_minor", "net_minor")
_SETTLED_AT = "settled_at"
_CHUNK = 64 * 1024
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?")
_KINDS = {kind.value: kind for kind in ItemKind}


class _BadField(Exception):
    def __init__(self, problem: LineProblem, column: str, detail: str) -> None:
        self.problem, self.column, self.detail = problem, column, detail


class _HashingSource(io.RawIOBase):
    """The report's bytes as a raw stream, hashed and counted on the way through."""

    def __init__(self, chunks: Iterator[bytes], limit: int) -> None:
        self.digest, self.size = hashlib.sha256(), 0
        self._chunks, self._limit, self._pending = chunks, limit, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._take(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise SettlementTooLarge(self._limit)
        self.digest.update(chunk)
        self._pending = memoryview(chunk)


class SettlementReader:
    """One pass over a report given as bytes, a binary file, or an iterable of byte chunks.
    `content_sha256`, `byte_count` and `line_count` are known once iteration is over."""

    def __init__(self, content: bytes | BinaryIO | Iterable[bytes], *, max_bytes: int = MAX_REPORT_BYTES) -> None:
        self._source = _HashingSource(_chunks_of(content), max_bytes)
        self._rows = 0
        self._done = False

    @property
    def content_sha256(self) -> bytes:
        self._require_done()
        return self._source.digest.digest()

    @property
    def byte_count(self) -> int:
        self._require_done()
        return self._source.size

    @property
    def line_count(self) -> int:
        """Item rows read, header excluded."""
        self._require_done()
        return self._rows

    def __iter__(self) -> Iterator[SettlementLine | LineError]:
        text = io.TextIOWrapper(
            io.BufferedReader(self._source, _CHUNK), encoding="utf-8", errors="surrogateescape", newline=""
        )
        records = csv.reader(text, strict=True)
        parse = _RowParser(self._header(records))
        while (record := _next_record(records)) is not None:
            self._rows += 1
            yield parse(record, self._rows + 1)
        self._done = True

    def _header(self, records: Iterator[list[str]]) -> list[str]:
        header = _next_record(records)
        if not header or isinstance(header, csv.Error) or not _utf8(header):
            raise SettlementHeaderInvalid("the report has no readable header row")
        names = [name.strip().lower() for name in header]
        names[0] = names[0].removeprefix("\ufeff")  # a byte order mark, as spreadsheets write
        for column in REQUIRED_COLUMNS:
            if column not in names:
                raise SettlementHeaderInvalid(f"no {column} column", column)
        return names

    def _require_done(self) -> None:
        if not self._done:
            raise RuntimeError("the report has not been read to its end yet")


class _RowParser:
    """Turns one CSV record into a SettlementLine, or the LineError of its first bad field."""

    def __init__(self, header: list[str]) -> None:
        self._width = len(header)
        self._reference, self._type, self._currency, self._gross, self._fee, self._net = (
            header.index(column) for column in REQUIRED_COLUMNS
        )
        self._settled_at = header.index(_SETTLED_AT) if _SETTLED_AT in header else None

    def __call__(self, record: list[str] | csv.Error, line_number: int) -> SettlementLine | LineError:
        if isinstance(record, csv.Error):
            return LineError(line_number, LineProblem.MALFORMED_CSV, "", str(record))
        # The row's reference, if readable, lets the reconciler tie a bad row to its fact.
        reference = "".join(record[self._reference : self._reference + 1])
        reference = reference if _utf8([reference]) else ""
        if len(record) != self._width:
            return LineError(
                line_number,
                LineProblem.COLUMN_COUNT,
                "",
                f"{len(record)} fields where the header has {self._width} columns",
                reference,
            )
        try:
            return self._line(record, line_number)
        except _BadField as bad:
            return LineError(line_number, bad.problem, bad.column, bad.detail, reference)

    def _line(self, record: list[str], line_number: int) -> SettlementLine:
        if not _utf8(record):
            raise _BadField(LineProblem.NOT_UTF8, "", "the row is not valid UTF-8")
        reference, kind, currency = self._reference_of(record), self._kind_of(record), self._currency_of(record)
        gross = _amount(record[self._gross], "gross_minor")
        fee = _amount(record[self._fee], "fee_minor")
        net = _amount(record[self._net], "net_minor")
        if net != gross - fee:
            raise _BadField(LineProblem.NET_NOT_GROSS_MINUS_FEE, "net_minor", f"{net} is not {gross} − {fee}")
        if (gross <= 0) if kind is ItemKind.CAPTURE else (gross >= 0):
            raise _BadField(LineProblem.WRONG_SIGN, "gross_minor", f"a {kind.value}'s gross cannot be {gross}")
        return SettlementLine(line_number, reference, kind, currency, gross, fee, self._settled_at_of(record))

    def _reference_of(self, record: list[str]) -> str:
        reference = record[self._reference]
        if not reference.strip():
            raise _BadField(LineProblem.EMPTY_REFERENCE, "psp_reference", "no PSP reference")
        return reference

    def _kind_of(self, record: list[str]) -> ItemKind:
        kind = _KINDS.get(record[self._type])
        if kind is None:
            raise _BadField(LineProblem.UNKNOWN_TYPE, "type", f"{record[self._type][:20]!r} is not capture or refund")
        return kind

    def _currency_of(self, record: list[str]) -> str:
        currency = record[self._currency]
        if not is_known_currency(currency):
            raise _BadField(LineProblem.UNKNOWN_CURRENCY, "currency", f"{currency[:10]!r} is not an ISO 4217 currency")
        return currency

    def _settled_at_of(self, record: list[str]) -> datetime.datetime | None:
        if self._settled_at is None:
            return None
        try:
            settled_at = datetime.datetime.fromisoformat(record[self._settled_at])
        except ValueError:
            settled_at = None
        if settled_at is None or settled_at.utcoffset() is None:
            raise _BadField(LineProblem.BAD_TIMESTAMP, _SETTLED_AT, "not an ISO 8601 time with an offset")
        return settled_at


def _amount(text: str, column: str) -> int:
    if (text.isdigit() and text.isascii()) or _INTEGER.fullmatch(text):  # the common case first
        value = int(text)
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise _BadField(LineProblem.OUT_OF_RANGE, column, "beyond a 64-bit amount")
        return value
    if _DECIMAL.fullmatch(text):
        raise _BadField(LineProblem.FLOAT_AMOUNT, column, f"{text[:20]!r}: amounts are integer minor units")
    raise _BadField(LineProblem.NOT_A_NUMBER, column, f"{text[:20]!r} is not a number")


def _next_record(records: Iterator[list[str]]) -> list[str] | csv.Error | None:
    """The next record, the csv.Error that stood for it, or None at the end."""
    try:
        return next(records)
    except StopIteration:
        return None
    except csv.Error as error:
        return error


def _utf8(fields: list[str]) -> bool:
    """False when a field holds bytes that were not UTF-8 (decoded as lone surrogates)."""
    if "".join(fields).isascii():
        return True
    for field in fields:
        if not field.isascii():
            try:
                field.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _chunks_of(content: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        return (bytes(view[start : start + _CHUNK]) for start in range(0, len(view), _CHUNK))
    if hasattr(content, "read"):
        return iter(lambda: content.read(_CHUNK), b"")
    return iter(content)
