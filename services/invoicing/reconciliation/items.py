"""What a settlement report is made of: typed item rows, and rows that could not be read.

Row numbers are 1-based over the report's CSV records, the header being row 1 (the
contract's ReconciliationMismatch.line_number); a record is one physical line unless a quoted
field holds a line break.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum

from mesh.money import Money

__all__ = ["ItemKind", "LineError", "LineProblem", "SettlementLine"]


class ItemKind(enum.Enum):
    """A settled movement: a capture (positive gross) or a refund (negative gross)."""

    CAPTURE = "capture"
    REFUND = "refund"


@dataclasses.dataclass(frozen=True, slots=True)
class SettlementLine:
    """One readable row. Amounts are kept as the integers read (the reader has checked the
    currency and the range), so matching a row builds no Money; `gross`, `fee` and `net` are."""

    line_number: int
    psp_reference: str
    kind: ItemKind
    currency_code: str
    gross_minor: int
    fee_minor: int
    settled_at: datetime.datetime | None = None  # None when the report has no settled_at column

    @property
    def gross(self) -> Money:
        return Money(self.currency_code, self.gross_minor)

    @property
    def fee(self) -> Money:
        return Money(self.currency_code, self.fee_minor)

    @property
    def net(self) -> Money:
        return Money(self.currency_code, self.gross_minor - self.fee_minor)


class LineProblem(enum.Enum):
    COLUMN_COUNT = "column_count"  # not as many fields as the header has columns
    MALFORMED_CSV = "malformed_csv"  # a stray or unterminated quote
    NOT_UTF8 = "not_utf8"
    EMPTY_REFERENCE = "empty_reference"
    UNKNOWN_TYPE = "unknown_type"  # neither "capture" nor "refund"
    UNKNOWN_CURRENCY = "unknown_currency"  # not an ISO 4217 currency with a minor unit
    NOT_A_NUMBER = "not_a_number"
    FLOAT_AMOUNT = "float_amount"  # "12.50", "1e3": amounts are integer minor units
    OUT_OF_RANGE = "out_of_range"  # beyond int64
    NET_NOT_GROSS_MINUS_FEE = "net_not_gross_minus_fee"
    WRONG_SIGN = "wrong_sign"  # a capture's gross not above zero, a refund's not below
    BAD_TIMESTAMP = "bad_timestamp"  # settled_at not an ISO 8601 time with an offset


@dataclasses.dataclass(frozen=True, slots=True)
class LineError:
    """A row that reconciles nothing: where, which column ("" for the whole row), and why.
    `psp_reference` is the row's reference when that column could still be read."""

    line_number: int
    problem: LineProblem
    column: str
    detail: str
    psp_reference: str = ""
