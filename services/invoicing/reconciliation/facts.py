"""What the ledger expects a PSP to settle: one fact per capture or refund booked at that PSP,
and the settlement window those facts are judged in.

The app layer reads the facts from the journal (a PaymentCaptured entry gives a capture's
reference, gross and fee; a PaymentRefunded entry a refund's, its gross negative) for the
window's period widened by the cut-off tolerance on both sides, plus any fact of an earlier
period still unsettled, each marked with the settlement date of an earlier report that already
matched it, if one did.
"""

from __future__ import annotations

import dataclasses
import datetime

from mesh.money import Money
from services.invoicing.reconciliation.items import ItemKind

__all__ = ["DEFAULT_CUTOFF_TOLERANCE", "LedgerFact", "SettlementWindow"]

# A capture booked this close to the period's end may be in the next report: the PSP stamps
# its own clock, and our booking trails its answer by the event path's lag (seconds; an hour
# covers outbox back-off and clock skew).
DEFAULT_CUTOFF_TOLERANCE = datetime.timedelta(hours=1)


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerFact:
    """`gross` is signed like the report's (a refund's is negative); `fee` is what the ledger
    booked to psp-fees-{psp} (zero for a refund)."""

    psp_reference: str
    kind: ItemKind
    gross: Money
    fee: Money
    booked_at: datetime.datetime
    journal_entry: str = ""
    settled_on: str = ""  # "YYYY-MM-DD" of an earlier report that matched it; "" if none did

    def __post_init__(self) -> None:
        negative = self.gross.amount_minor < 0
        if self.gross.amount_minor == 0 or negative != (self.kind is ItemKind.REFUND):
            raise ValueError(f"{self.psp_reference}: a capture's gross is positive, a refund's negative")
        if self.fee.currency_code != self.gross.currency_code:
            raise ValueError(f"{self.psp_reference}: the fee is not in the gross amount's currency")

    @property
    def net(self) -> Money:
        return self.gross - self.fee


@dataclasses.dataclass(frozen=True)
class SettlementWindow:
    """The ledger period [start, end) a report should cover, and the cut-off tolerance."""

    start: datetime.datetime
    end: datetime.datetime
    cutoff_tolerance: datetime.timedelta = DEFAULT_CUTOFF_TOLERANCE

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None or self.end <= self.start:
            raise ValueError("a settlement window is [start, end), timezone-aware, end after start")

    @classmethod
    def of_day(
        cls, day: datetime.date, cutoff_tolerance: datetime.timedelta = DEFAULT_CUTOFF_TOLERANCE
    ) -> SettlementWindow:
        """The settlement date from 00:00 to 24:00 UTC (the contract's default period)."""
        start = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
        return cls(start, start + datetime.timedelta(days=1), cutoff_tolerance)

    def covers(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end

    def near_cutoff(self, moment: datetime.datetime) -> bool:
        """Booked in the last `cutoff_tolerance` of the period: it may settle in the next report."""
        return self.end - self.cutoff_tolerance <= moment < self.end
