"""How the journal is read: which entries a listing wants, and an account's sums of postings."""

from __future__ import annotations

import dataclasses

from mesh.money import Money
from services.invoicing.domain.accounts import NormalSide

__all__ = ["EntryFilter", "Totals"]


@dataclasses.dataclass(frozen=True)
class EntryFilter:
    """Entries that match every field set; "" matches any."""

    account: str = ""  # an account id: entries with a posting to it
    source_resource: str = ""
    source_event_id: str = ""


@dataclasses.dataclass(frozen=True)
class Totals:
    """One account's postings in one currency."""

    currency_code: str
    debits_minor: int
    credits_minor: int
    posting_count: int

    @property
    def debits(self) -> Money:
        return Money(self.currency_code, self.debits_minor)

    @property
    def credits(self) -> Money:
        return Money(self.currency_code, self.credits_minor)

    def balance(self, normal: NormalSide) -> Money:
        """What the postings raised the account by, on the side `normal` its balance is kept on."""
        return self.debits - self.credits if normal is NormalSide.DEBIT else self.credits - self.debits
