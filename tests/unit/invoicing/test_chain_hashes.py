"""The hash chain's bytes, pinned: the hashes below were computed by the code that booked the
ledgers in use, so an entry stored then must still verify and a new one must hash the same.
A change here is a change of the chain's format, which needs a migration, not a new constant."""

from __future__ import annotations

import datetime

from commerce.invoicing.v1 import journal_entry_pb2
from mesh.money import Money
from services.invoicing import journal_encoding
from services.invoicing.domain import chain
from services.invoicing.domain.entries import EntryDraft, credit, debit

T0 = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=datetime.UTC)

DRAFTS = [
    EntryDraft.of(
        "event:evt-1",
        [
            debit("cash-at-psp-sandbox-alpha", Money("EUR", 9_680)),
            debit("psp-fees-sandbox-alpha", Money("EUR", 320)),
            credit("accounts-receivable", Money("EUR", 10_000)),
        ],
        description="Capture of EUR 100.00 at sandbox-alpha (fee EUR 3.20, reference cap-1)",
        source_resource="tenants/acme/paymentIntents/pi_1",
        source_event_id="evt-1",
        source_event_type="commerce.payments.v1.PaymentCaptured",
    ),
    EntryDraft.of(
        "event:evt-2",
        [
            debit("authorization-holds-sandbox-beta", Money("JPY", 1_250)),
            credit("authorization-holds-offset", Money("JPY", 1_250)),
        ],
        description="Authorization of JPY 1250 held at sandbox-beta",
        source_resource="tenants/acme/paymentIntents/pi_2",
        source_event_id="evt-2",
        source_event_type="commerce.payments.v1.PaymentAuthorized",
    ),
    # No source event, non-ASCII text, two currencies, every invoice account.
    EntryDraft.of(
        "invoice:tenants/acme/invoices/inv_1:finalized",
        [
            debit("accounts-receivable", Money("EUR", 10_710)),
            debit("discounts", Money("EUR", 1_000)),
            credit("revenue", Money("EUR", 10_000)),
            credit("tax-payable", Money("EUR", 1_710)),
            debit("refunds", Money("USD", 5)),
            credit("bad-debt", Money("USD", 5)),
        ],
        description="Rechnung für Müller – Gutschrift €, 請求書",
        source_resource="tenants/acme/invoices/inv_1",
    ),
]
CREATED = [T0, T0 + datetime.timedelta(seconds=1, microseconds=123_456), T0 + datetime.timedelta(days=400)]

PINNED = [
    "c2d802c5480ffa7989a17089f47b49c092e756860ce5eb052b04e7a927f60b84",
    "2bfee7378afd85648c97e19ce6f60c8a87f59a21bccd2017894b06ebb26daf90",
    "ea288efa820a39888d7204a7b728bdf01fa93524488660e720525211dae60ef9",
]


def sealed_chain() -> list[journal_entry_pb2.JournalEntry]:
    entries: list[journal_entry_pb2.JournalEntry] = []
    prev_hash = chain.GENESIS
    for sequence, (draft, created) in enumerate(zip(DRAFTS, CREATED, strict=True), start=1):
        entry = journal_encoding.seal(
            draft, tenant="acme", entry_id=f"je_{sequence}", sequence=sequence, prev_hash=prev_hash, create_time=created
        )
        entries.append(entry)
        prev_hash = entry.hash
    return entries


def verified(entries: list[journal_entry_pb2.JournalEntry]) -> chain.Verification:
    verifier = chain.ChainVerifier("acme", 1, chain.GENESIS)
    for entry in entries:
        verifier.feed(journal_encoding.recorded(entry))
    return verifier.result()


def test_new_entries_hash_as_they_always_have() -> None:
    assert [entry.hash.hex() for entry in sealed_chain()] == PINNED


def test_a_later_entry_of_another_tenant_hashes_as_it_always_has() -> None:
    entry = journal_encoding.seal(
        DRAFTS[0], tenant="globex", entry_id="je_x", sequence=1_000_000, prev_hash=b"\x07" * 32, create_time=T0
    )

    assert entry.hash.hex() == "6d516794669233ed6f18fab3dcf4490dccadb583d35b1095fb38a7f2ff8fa405"


def test_an_entry_stored_before_verifies() -> None:
    # The first entry as the store reads it back from its rows, with the hash it was stored with.
    stored = journal_entry_pb2.JournalEntry(
        name="tenants/acme/journalEntries/je_1",
        sequence=1,
        postings=[
            journal_entry_pb2.Posting(
                account=f"tenants/acme/accounts/{account}",
                direction=direction,
                amount={"currency_code": "EUR", "amount_minor": minor},
            )
            for account, direction, minor in [
                ("cash-at-psp-sandbox-alpha", 1, 9_680),
                ("psp-fees-sandbox-alpha", 1, 320),
                ("accounts-receivable", 2, 10_000),
            ]
        ],
        description="Capture of EUR 100.00 at sandbox-alpha (fee EUR 3.20, reference cap-1)",
        source_resource="tenants/acme/paymentIntents/pi_1",
        source_event_id="evt-1",
        source_event_type="commerce.payments.v1.PaymentCaptured",
        prev_hash=bytes(32),
        hash=bytes.fromhex(PINNED[0]),
    )
    stored.create_time.FromDatetime(T0)

    assert verified([stored]) == chain.Verification(True, 1, 1, bytes.fromhex(PINNED[0]))


def test_the_pinned_chain_verifies() -> None:
    assert verified(sealed_chain()) == chain.Verification(True, 3, 3, bytes.fromhex(PINNED[-1]))
