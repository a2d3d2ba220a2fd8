"""The tenant's hash chain, and its verification.

Each entry's hash is the SHA-256 of its deterministic protobuf encoding with `hash` left empty
and `prev_hash` set to its predecessor's hash (GENESIS for the first). Editing, removing,
inserting or reordering any entry therefore breaks that entry's hash or the next one's link;
rewriting every later hash too is caught by comparing the head hash with one kept elsewhere.
`ChainVerifier` is fed entries in ascending sequence and stops at the first broken one.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

from google.protobuf import timestamp_pb2

from commerce.invoicing.v1 import journal_entry_pb2, ledger_service_pb2
from mesh.money import Money
from services.invoicing.domain import accounts
from services.invoicing.domain.entries import Direction, EntryDraft, Posting, imbalance
from services.invoicing.domain.errors import AccountNotFound

__all__ = ["GENESIS", "ChainVerifier", "Verification", "account_name", "entry_hash", "seal"]

GENESIS = bytes(32)
_V = ledger_service_pb2.LedgerViolation


def account_name(tenant: str, account_id: str) -> str:
    return f"tenants/{tenant}/accounts/{account_id}"


def seal(draft: EntryDraft, *, tenant: str, entry_id: str, sequence: int, prev_hash: bytes,
         create_time: datetime.datetime) -> journal_entry_pb2.JournalEntry:
    """The committed form of `draft` at `sequence`, chained to `prev_hash`."""
    created = timestamp_pb2.Timestamp()
    created.FromDatetime(create_time)
    entry = journal_entry_pb2.JournalEntry(
        name=f"tenants/{tenant}/journalEntries/{entry_id}", sequence=sequence,
        postings=[journal_entry_pb2.Posting(account=account_name(tenant, p.account), direction=p.direction.value,
                                            amount=p.amount.to_proto()) for p in draft.postings],
        description=draft.description, source_resource=draft.source_resource,
        source_event_id=draft.source_event_id, source_event_type=draft.source_event_type,
        create_time=created, prev_hash=prev_hash)
    entry.hash = entry_hash(entry)
    return entry


def entry_hash(entry: journal_entry_pb2.JournalEntry) -> bytes:
    unsigned = journal_entry_pb2.JournalEntry()
    unsigned.CopyFrom(entry)
    unsigned.ClearField("hash")
    return hashlib.sha256(unsigned.SerializeToString(deterministic=True)).digest()


@dataclasses.dataclass(frozen=True)
class Verification:
    ok: bool
    entries_checked: int
    head_sequence: int
    head_hash: bytes
    first_broken_entry: str = ""
    first_broken_sequence: int = 0
    violation: int = _V.LEDGER_VIOLATION_UNSPECIFIED
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

    def feed(self, entry: journal_entry_pb2.JournalEntry) -> bool:
        """Check the next entry; False once the chain is broken (feed no more)."""
        self._checked += 1
        found = self._violation_of(entry)
        if found is not None:
            violation, detail = found
            self._broken = Verification(False, self._checked, self._expected - 1, self._head_hash(),
                                        entry.name, self._expected, violation, detail)
            return False
        self._expected += 1
        self._prev_hash = entry.hash
        return True

    def missing(self, sequence: int) -> None:
        """The chain should go on to `sequence` (the head says so) but holds no such entry."""
        self._checked += 1
        self._broken = Verification(False, self._checked, self._expected - 1, self._head_hash(), "", sequence,
                                    _V.LEDGER_VIOLATION_SEQUENCE_GAP,
                                    f"entry {sequence} is missing: the chain's head is past it")

    def result(self) -> Verification:
        return self._broken or Verification(True, self._checked, self._expected - 1, self._head_hash())

    def _head_hash(self) -> bytes:
        return self._prev_hash if self._expected > 1 else b""

    def _violation_of(self, entry: journal_entry_pb2.JournalEntry) -> tuple[int, str] | None:
        if entry.sequence != self._expected:
            return _V.LEDGER_VIOLATION_SEQUENCE_GAP, f"expected sequence {self._expected}, found {entry.sequence}"
        if entry.prev_hash != self._prev_hash:
            return _V.LEDGER_VIOLATION_PREV_HASH_MISMATCH, "prev_hash is not the previous entry's hash"
        if entry_hash(entry) != entry.hash:
            return _V.LEDGER_VIOLATION_HASH_MISMATCH, "the entry's content does not match its hash"
        return self._posting_violation(entry)

    def _posting_violation(self, entry: journal_entry_pb2.JournalEntry) -> tuple[int, str] | None:
        if len(entry.postings) < 2:
            return _V.LEDGER_VIOLATION_INVALID_POSTING, f"{len(entry.postings)} posting(s); at least two are needed"
        postings = []
        for index, posting in enumerate(entry.postings):
            problem = self._posting_problem(posting)
            if problem:
                return _V.LEDGER_VIOLATION_INVALID_POSTING, f"posting {index}: {problem}"
            postings.append(Posting(posting.account.removeprefix(self._account_prefix),
                                    Direction(posting.direction), Money.from_proto(posting.amount)))
        problem = imbalance(postings)
        return (_V.LEDGER_VIOLATION_UNBALANCED, problem) if problem else None

    def _posting_problem(self, posting: journal_entry_pb2.Posting) -> str:
        if posting.amount.amount_minor <= 0:
            return "amount is not positive"
        try:
            Money.from_proto(posting.amount)
        except ValueError:
            return "currency code is malformed"
        if posting.direction not in (journal_entry_pb2.POSTING_DIRECTION_DEBIT,
                                     journal_entry_pb2.POSTING_DIRECTION_CREDIT):
            return "no direction"
        if not posting.account.startswith(self._account_prefix):
            return "account belongs to another tenant"
        try:
            accounts.classify(posting.account.removeprefix(self._account_prefix))
        except AccountNotFound:
            return "account is not in the chart of accounts"
        return ""
