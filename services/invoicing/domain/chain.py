"""The tenant's hash chain, and its verification.

Each entry's hash is the SHA-256 of its canonical encoding, which holds everything the entry
says (its postings, texts, time, sequence) with `hash` left out and `prev_hash` set to its
predecessor's hash (GENESIS for the first). Editing, removing, inserting or reordering any entry
therefore breaks that entry's hash or the next one's link; rewriting every later hash too is
caught by comparing the head hash with one kept elsewhere. What the encoding is, is not this
module's business: journal_encoding makes it and hands entries over as RecordedEntry.
`ChainVerifier` is fed entries in ascending sequence and stops at the first broken one.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib

from mesh.money import Money
from services.invoicing.domain import accounts
from services.invoicing.domain.entries import Direction, Posting, imbalance
from services.invoicing.domain.errors import AccountNotFound

__all__ = ["GENESIS", "ChainVerifier", "RecordedEntry", "RecordedPosting", "Verification", "Violation", "hash_of"]

GENESIS = bytes(32)


def hash_of(canonical: bytes) -> bytes:
    """The hash of an entry whose canonical encoding is `canonical`."""
    return hashlib.sha256(canonical).digest()


class Violation(enum.Enum):
    """How a chain is broken (LedgerViolation, by name)."""

    SEQUENCE_GAP = "sequence_gap"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    UNBALANCED = "unbalanced"
    INVALID_POSTING = "invalid_posting"


@dataclasses.dataclass(frozen=True)
class RecordedPosting:
    """A posting as it was recorded, unchecked: a record may have been edited into anything."""

    account: str  # the account's resource name, "tenants/{tenant}/accounts/{account id}"
    direction: Direction | None  # None: the record names no direction
    currency_code: str
    amount_minor: int


@dataclasses.dataclass(frozen=True)
class RecordedEntry:
    """A committed entry as the chain sees it; `canonical` is the encoding its hash must be of."""

    name: str
    sequence: int
    prev_hash: bytes
    hash: bytes
    postings: tuple[RecordedPosting, ...]
    canonical: bytes


@dataclasses.dataclass(frozen=True)
class Verification:
    ok: bool
    entries_checked: int
    head_sequence: int
    head_hash: bytes
    first_broken_entry: str = ""
    first_broken_sequence: int = 0
    violation: Violation | None = None  # None while the chain is intact
    detail: str = ""


class ChainVerifier:
    """Checks entries in order from `start_sequence`, trusting `prev_hash` as its predecessor's hash."""

    def __init__(self, tenant: str, start_sequence: int, prev_hash: bytes) -> None:
        self._account_prefix = f"tenants/{tenant}/accounts/"
        self._expected = start_sequence
        self._prev_hash = prev_hash
        self._checked = 0
        self._broken: Verification | None = None

    @property
    def broken(self) -> bool:
        return self._broken is not None

    def feed(self, entry: RecordedEntry) -> bool:
        """Check the next entry; False once the chain is broken (feed no more)."""
        self._checked += 1
        found = self._violation_of(entry)
        if found is not None:
            violation, detail = found
            self._broken = Verification(
                False,
                self._checked,
                self._expected - 1,
                self._head_hash(),
                entry.name,
                self._expected,
                violation,
                detail,
            )
            return False
        self._expected += 1
        self._prev_hash = entry.hash
        return True

    def missing(self, sequence: int) -> None:
        """The chain should go on to `sequence` (the head says so) but holds no such entry."""
        self._checked += 1
        self._broken = Verification(
            False,
            self._checked,
            self._expected - 1,
            self._head_hash(),
            "",
            sequence,
            Violation.SEQUENCE_GAP,
            f"entry {sequence} is missing: the chain's head is past it",
        )

    def result(self) -> Verification:
        return self._broken or Verification(True, self._checked, self._expected - 1, self._head_hash())

    def _head_hash(self) -> bytes:
        return self._prev_hash if self._expected > 1 else b""

    def _violation_of(self, entry: RecordedEntry) -> tuple[Violation, str] | None:
        if entry.sequence != self._expected:
            return Violation.SEQUENCE_GAP, f"expected sequence {self._expected}, found {entry.sequence}"
        if entry.prev_hash != self._prev_hash:
            return Violation.PREV_HASH_MISMATCH, "prev_hash is not the previous entry's hash"
        if hash_of(entry.canonical) != entry.hash:
            return Violation.HASH_MISMATCH, "the entry's content does not match its hash"
        return self._posting_violation(entry)

    def _posting_violation(self, entry: RecordedEntry) -> tuple[Violation, str] | None:
        if len(entry.postings) < 2:
            return Violation.INVALID_POSTING, f"{len(entry.postings)} posting(s); at least two are needed"
        postings: list[Posting] = []
        for index, recorded in enumerate(entry.postings):
            posting = self._as_posting(recorded)
            if isinstance(posting, str):
                return Violation.INVALID_POSTING, f"posting {index}: {posting}"
            postings.append(posting)
        problem = imbalance(postings)
        return (Violation.UNBALANCED, problem) if problem else None

    def _as_posting(self, posting: RecordedPosting) -> Posting | str:
        """The recorded posting as a posting of this tenant's chart, or what is wrong with it."""
        if posting.amount_minor <= 0:
            return "amount is not positive"
        try:
            amount = Money(posting.currency_code, posting.amount_minor)
        except ValueError:
            return "currency code is malformed"
        if posting.direction is None:
            return "no direction"
        if not posting.account.startswith(self._account_prefix):
            return "account belongs to another tenant"
        account_id = posting.account.removeprefix(self._account_prefix)
        try:
            accounts.classify(account_id)
        except AccountNotFound:
            return "account is not in the chart of accounts"
        return Posting(account_id, posting.direction, amount)
