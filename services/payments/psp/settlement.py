"""Settlement reports: the captures and refunds a PSP settled on one UTC day, as CSV.

The format is what invoicing's ReconcileSettlement reads (RFC 4180, UTF-8, one item per row):
psp_reference is the capture's or refund's own reference, so a payment captured in parts has
one row per part; amounts are integer minor units with net = gross − fee; refunds have a
negative gross and no fee; settled_at is ISO 8601 in UTC. No card data is ever a column.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import enum
import io
from collections.abc import Iterable

from mesh.money import Money

__all__ = ["HEADER", "SettlementItem", "SettlementType", "settlement_csv"]

HEADER = ("psp_reference", "type", "currency", "gross_minor", "fee_minor", "net_minor", "settled_at")


class SettlementType(enum.Enum):
    CAPTURE = "capture"
    REFUND = "refund"


@dataclasses.dataclass(frozen=True)
class SettlementItem:
    """One settled movement: `gross` is positive for a capture and negative for a refund."""

    psp_reference: str
    type: SettlementType
    gross: Money
    fee: Money
    settled_at: datetime.datetime

    def __post_init__(self) -> None:
        if self.settled_at.utcoffset() is None:
            raise ValueError("settled_at must be timezone-aware, or its UTC day is a guess")

    @property
    def net(self) -> Money:
        return self.gross - self.fee

    def row(self) -> tuple[str, ...]:
        settled_at = self.settled_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
        return (
            self.psp_reference,
            self.type.value,
            self.gross.currency_code,
            str(self.gross.amount_minor),
            str(self.fee.amount_minor),
            str(self.net.amount_minor),
            settled_at.replace("+00:00", "Z"),
        )


def settlement_csv(items: Iterable[SettlementItem], day: datetime.date) -> str:
    """The CSV of the items settled on `day` (UTC), in settlement order; header only if none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for item in items:
        if item.settled_at.astimezone(datetime.UTC).date() == day:
            writer.writerow(item.row())
    return buffer.getvalue()
