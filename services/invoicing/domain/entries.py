"""Journal entries: postings that balance to zero per currency, sealed into the tenant's chain.

An EntryDraft is checked when it is made, so an unbalanced entry cannot reach the store: at least
two postings, every amount positive, every account in the chart, and for every currency the
debits equal the credits, separately for memo accounts (holds) and for the others, so a memo
posting can never balance a real one. journal_encoding.seal gives a draft its place in the chain.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
from collections.abc import Iterable

from mesh.money import Money
from services.invoicing.domain import accounts
from services.invoicing.domain.errors import AccountNotFound, UnbalancedEntry

__all__ = ["Direction", "EntryDraft", "Posting", "check_postings", "credit", "debit", "imbalance"]


class Direction(enum.Enum):
    """The side a posting is on (PostingDirection, by name)."""

    DEBIT = "debit"
    CREDIT = "credit"


@dataclasses.dataclass(frozen=True)
class Posting:
    account: str  # an account id of the chart, e.g. "cash-at-psp-sandbox-alpha"
    direction: Direction
    amount: Money


def debit(account: str, amount: Money) -> Posting:
    return Posting(account, Direction.DEBIT, amount)


def credit(account: str, amount: Money) -> Posting:
    return Posting(account, Direction.CREDIT, amount)


@dataclasses.dataclass(frozen=True)
class EntryDraft:
    """A balanced entry before it has a place in the chain. `key` names its source uniquely
    (e.g. the event id): the entry id derives from it, so one source books one entry."""

    key: str
    postings: tuple[Posting, ...]
    description: str
    source_resource: str
    source_event_id: str = ""
    source_event_type: str = ""

    @classmethod
    def of(
        cls,
        key: str,
        postings: Iterable[Posting],
        *,
        description: str,
        source_resource: str,
        source_event_id: str = "",
        source_event_type: str = "",
    ) -> EntryDraft:
        """A draft of the non-zero postings; UnbalancedEntry unless they balance."""
        kept = tuple(p for p in postings if p.amount.amount_minor != 0)
        check_postings(kept)
        return cls(key, kept, description, source_resource, source_event_id, source_event_type)


def check_postings(postings: tuple[Posting, ...]) -> None:
    """Raise UnbalancedEntry unless the postings make a valid double entry."""
    if len(postings) < 2:
        raise UnbalancedEntry(f"an entry needs at least two postings, not {len(postings)}")
    for posting in postings:
        if posting.amount.amount_minor <= 0:
            raise UnbalancedEntry(f"posting to {posting.account} is not positive")
        try:
            accounts.classify(posting.account)
        except AccountNotFound:  # posting rules are code: this is a bug, not a caller's mistake
            raise UnbalancedEntry(f"account {posting.account[:64]!r} is not in the chart of accounts") from None
    problem = imbalance(postings)
    if problem:
        raise UnbalancedEntry(problem)


def imbalance(postings: Iterable[Posting]) -> str:
    """Where debits and credits differ, per currency and apart for memo accounts; "" if nowhere."""
    sums: collections.Counter[tuple[str, bool]] = collections.Counter()
    for posting in postings:
        sign = 1 if posting.direction is Direction.DEBIT else -1
        memo = accounts.classify(posting.account).memo
        sums[(posting.amount.currency_code, memo)] += sign * posting.amount.amount_minor
    for (currency, memo), difference in sorted(sums.items()):
        if difference:
            kind = "memo postings" if memo else "postings"
            return f"{kind} in {currency} are off by {difference} minor units (debits − credits)"
    return ""
