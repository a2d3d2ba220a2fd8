"""Journal entries as commerce.invoicing.v1.JournalEntry messages, and the bytes the chain hashes.

An entry's canonical encoding is the message's deterministic protobuf encoding with `hash`
cleared. It is the chain's format: every stored entry was hashed over exactly these bytes, so
any change to how they are made (a field, a name, a direction number) breaks every ledger
(tests/unit/invoicing/test_chain_hashes.py pins them). This module is the one place they are made.
"""

from __future__ import annotations

import datetime

from google.protobuf import timestamp_pb2

from commerce.invoicing.v1 import journal_entry_pb2
from services.invoicing.domain import chain
from services.invoicing.domain.entries import Direction, EntryDraft

__all__ = ["account_name", "canonical_bytes", "direction_number", "entry_hash", "recorded", "seal"]

_NUMBERS: dict[Direction, journal_entry_pb2.PostingDirection] = {
    Direction.DEBIT: journal_entry_pb2.POSTING_DIRECTION_DEBIT,
    Direction.CREDIT: journal_entry_pb2.POSTING_DIRECTION_CREDIT,
}
_DIRECTIONS = {number: direction for direction, number in _NUMBERS.items()}


def account_name(tenant: str, account_id: str) -> str:
    return f"tenants/{tenant}/accounts/{account_id}"


def direction_number(direction: Direction) -> journal_entry_pb2.PostingDirection:
    """The PostingDirection value of `direction`."""
    return _NUMBERS[direction]


def seal(
    draft: EntryDraft, *, tenant: str, entry_id: str, sequence: int, prev_hash: bytes, create_time: datetime.datetime
) -> journal_entry_pb2.JournalEntry:
    """The committed form of `draft` at `sequence`, chained to `prev_hash`."""
    created = timestamp_pb2.Timestamp()
    created.FromDatetime(create_time)
    entry = journal_entry_pb2.JournalEntry(
        name=f"tenants/{tenant}/journalEntries/{entry_id}",
        sequence=sequence,
        postings=[
            journal_entry_pb2.Posting(
                account=account_name(tenant, p.account),
                direction=direction_number(p.direction),
                amount=p.amount.to_proto(),
            )
            for p in draft.postings
        ],
        description=draft.description,
        source_resource=draft.source_resource,
        source_event_id=draft.source_event_id,
        source_event_type=draft.source_event_type,
        create_time=created,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    return entry


def canonical_bytes(entry: journal_entry_pb2.JournalEntry) -> bytes:
    unsigned = journal_entry_pb2.JournalEntry()
    unsigned.CopyFrom(entry)
    unsigned.ClearField("hash")
    return unsigned.SerializeToString(deterministic=True)


def entry_hash(entry: journal_entry_pb2.JournalEntry) -> bytes:
    """The hash `entry` must carry, whatever it carries now."""
    return chain.hash_of(canonical_bytes(entry))


def recorded(entry: journal_entry_pb2.JournalEntry) -> chain.RecordedEntry:
    """`entry` as the chain verifier checks it, whatever it says."""
    return chain.RecordedEntry(
        entry.name,
        entry.sequence,
        entry.prev_hash,
        entry.hash,
        tuple(
            chain.RecordedPosting(
                posting.account,
                _DIRECTIONS.get(posting.direction),
                posting.amount.currency_code,
                posting.amount.amount_minor,
            )
            for posting in entry.postings
        ),
        canonical_bytes(entry),
    )
