"""The hash chain: seal links entries, ChainVerifier finds the first tampered one and says how.

The entries are tampered with as messages, the form they are stored and served in; the verifier
sees them as journal_encoding.recorded makes them, as the app feeds it."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from commerce.invoicing.v1 import journal_entry_pb2
from mesh.money import Money
from services.invoicing import journal_encoding
from services.invoicing.domain.chain import GENESIS, ChainVerifier, Verification, Violation
from services.invoicing.domain.entries import EntryDraft, credit, debit

TENANT = "acme"
N = 6
T0 = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=datetime.UTC)


def eur(minor: int) -> Money:
    return Money("EUR", minor)


def draft_number(number: int) -> EntryDraft:
    amount = eur(1_000 * number + 7)
    return EntryDraft.of(
        f"event:evt-{number}",
        [
            debit("cash-at-psp-sandbox-alpha", amount - eur(number)),
            debit("psp-fees-sandbox-alpha", eur(number)),
            credit("accounts-receivable", amount),
        ],
        description=f"Capture {number}",
        source_resource=f"tenants/{TENANT}/paymentIntents/pi_{number}",
        source_event_id=f"evt-{number}",
        source_event_type="commerce.payments.v1.PaymentCaptured",
    )


def build_chain(count: int = N, tenant: str = TENANT) -> list[journal_entry_pb2.JournalEntry]:
    entries, prev_hash = [], GENESIS
    for number in range(1, count + 1):
        entry = journal_encoding.seal(
            draft_number(number),
            tenant=tenant,
            entry_id=f"je_{number}",
            sequence=number,
            prev_hash=prev_hash,
            create_time=T0 + datetime.timedelta(seconds=number),
        )
        entries.append(entry)
        prev_hash = entry.hash
    return entries


def verify(entries, start: int = 1, prev_hash: bytes = GENESIS, tenant: str = TENANT) -> Verification:
    verifier = ChainVerifier(tenant, start, prev_hash)
    for entry in entries:
        if not verifier.feed(journal_encoding.recorded(entry)):
            break
    return verifier.result()


def resealed(entry: journal_entry_pb2.JournalEntry) -> journal_entry_pb2.JournalEntry:
    """`entry` with its hash recomputed, as a forger who knows the scheme would leave it."""
    entry.hash = journal_encoding.entry_hash(entry)
    return entry


def broken_at(
    entries, index: int, violation: Violation, *, checked: int | None = None, name: str | None = None
) -> Verification:
    """What verify should say when the entry at list position `index` (sequence index + 1) breaks."""
    return Verification(
        False,
        index + 1 if checked is None else checked,
        index,
        entries[index - 1].hash if index else b"",
        entries[index].name if name is None else name,
        index + 1,
        violation,
    )


def without_detail(result: Verification) -> Verification:
    assert result.detail  # every violation explains itself
    return Verification(
        result.ok,
        result.entries_checked,
        result.head_sequence,
        result.head_hash,
        result.first_broken_entry,
        result.first_broken_sequence,
        result.violation,
    )


# -- sealing ----------------------------------------------------------------------------------


def test_seal_fills_every_field_of_the_entry() -> None:
    entry = journal_encoding.seal(
        draft_number(1), tenant=TENANT, entry_id="je_1", sequence=1, prev_hash=GENESIS, create_time=T0
    )

    assert entry.name == "tenants/acme/journalEntries/je_1"
    assert entry.sequence == 1
    assert [(p.account, p.direction, p.amount.currency_code, p.amount.amount_minor) for p in entry.postings] == [
        ("tenants/acme/accounts/cash-at-psp-sandbox-alpha", journal_entry_pb2.POSTING_DIRECTION_DEBIT, "EUR", 1_006),
        ("tenants/acme/accounts/psp-fees-sandbox-alpha", journal_entry_pb2.POSTING_DIRECTION_DEBIT, "EUR", 1),
        ("tenants/acme/accounts/accounts-receivable", journal_entry_pb2.POSTING_DIRECTION_CREDIT, "EUR", 1_007),
    ]
    assert (entry.description, entry.source_resource, entry.source_event_id, entry.source_event_type) == (
        "Capture 1",
        "tenants/acme/paymentIntents/pi_1",
        "evt-1",
        "commerce.payments.v1.PaymentCaptured",
    )
    assert entry.create_time.ToDatetime(datetime.UTC) == T0
    assert entry.prev_hash == GENESIS


def test_genesis_is_32_zero_bytes() -> None:
    assert GENESIS == b"\x00" * 32
    assert build_chain(1)[0].prev_hash == b"\x00" * 32


def test_the_hash_is_sha256_of_the_deterministic_encoding_with_hash_cleared() -> None:
    for entry in build_chain():
        unsigned = journal_entry_pb2.JournalEntry()
        unsigned.CopyFrom(entry)
        unsigned.hash = b""
        expected = hashlib.sha256(unsigned.SerializeToString(deterministic=True)).digest()

        assert entry.hash == expected
        assert len(entry.hash) == 32
        assert journal_encoding.entry_hash(entry) == expected


def test_the_hash_covers_prev_hash() -> None:
    entry = build_chain(1)[0]
    relinked = journal_entry_pb2.JournalEntry()
    relinked.CopyFrom(entry)
    relinked.prev_hash = b"\x01" * 32

    assert journal_encoding.entry_hash(relinked) != entry.hash


def test_each_entry_links_to_its_predecessor() -> None:
    entries = build_chain()

    assert [entry.sequence for entry in entries] == list(range(1, N + 1))
    assert entries[0].prev_hash == GENESIS
    for before, after in zip(entries, entries[1:], strict=False):  # consecutive pairs: entries[1:] is one shorter
        assert after.prev_hash == before.hash
    assert len({entry.hash for entry in entries}) == N


# -- an intact chain ----------------------------------------------------------------------------


def test_an_intact_chain_verifies() -> None:
    entries = build_chain()

    assert verify(entries) == Verification(True, N, N, entries[-1].hash)


def test_an_empty_chain_verifies_with_no_head() -> None:
    assert verify([]) == Verification(True, 0, 0, b"")


def test_verifying_from_a_later_start_trusts_the_predecessors_hash() -> None:
    entries = build_chain()

    assert verify(entries[3:], start=4, prev_hash=entries[2].hash) == Verification(True, N - 3, N, entries[-1].hash)


def test_a_later_start_with_a_wrong_trusted_hash_breaks_at_once() -> None:
    entries = build_chain()

    result = verify(entries[3:], start=4, prev_hash=entries[1].hash)

    assert without_detail(result) == Verification(
        False, 1, 3, entries[1].hash, entries[3].name, 4, Violation.PREV_HASH_MISMATCH
    )


def test_feed_refuses_once_broken() -> None:
    entries = build_chain()
    entries[1].description = "edited"
    verifier = ChainVerifier(TENANT, 1, GENESIS)

    assert [verifier.feed(journal_encoding.recorded(entry)) for entry in entries[:2]] == [True, False]
    assert verifier.broken


# -- tampering ----------------------------------------------------------------------------------


def test_an_edited_amount_is_a_hash_mismatch_at_that_entry() -> None:
    entries = build_chain()
    entries[2].postings[0].amount.amount_minor += 1
    entries[2].postings[2].amount.amount_minor += 1  # still balanced: only the hash can tell

    result = verify(entries)

    assert without_detail(result) == broken_at(entries, 2, Violation.HASH_MISMATCH)
    assert result.detail == "the entry's content does not match its hash"


def _balanced_pair() -> list[journal_entry_pb2.Posting]:
    return [
        journal_entry_pb2.Posting(
            account=f"tenants/acme/accounts/{account}", direction=direction, amount=eur(3).to_proto()
        )
        for account, direction in [
            ("refunds", journal_entry_pb2.POSTING_DIRECTION_DEBIT),
            ("revenue", journal_entry_pb2.POSTING_DIRECTION_CREDIT),
        ]
    ]


@pytest.mark.parametrize(
    "edit",
    [
        lambda entry: setattr(entry, "description", entry.description + "!"),
        lambda entry: setattr(entry, "source_resource", "tenants/acme/paymentIntents/pi_other"),
        lambda entry: setattr(entry.create_time, "seconds", entry.create_time.seconds - 1),
        lambda entry: setattr(entry, "name", "tenants/acme/journalEntries/je_x"),
        lambda entry: setattr(entry.postings[0], "account", "tenants/acme/accounts/cash-at-psp-sandbox-beta"),
        lambda entry: entry.postings.extend(_balanced_pair()),
    ],
    ids=["description", "source", "create-time", "name", "account", "extra-postings"],
)
def test_any_edit_is_a_hash_mismatch(edit) -> None:
    entries = build_chain()
    edit(entries[4])

    assert without_detail(verify(entries)) == broken_at(entries, 4, Violation.HASH_MISMATCH)


def test_a_removed_entry_is_a_sequence_gap() -> None:
    entries = build_chain()
    remaining = entries[:2] + entries[3:]

    result = verify(remaining)

    # The entry found where 3 should be is 4: reported under its own name, at the expected sequence.
    assert without_detail(result) == broken_at(entries, 2, Violation.SEQUENCE_GAP, name=entries[3].name)
    assert result.detail == "expected sequence 3, found 4"


def test_a_removed_first_entry_is_a_sequence_gap_with_no_head() -> None:
    entries = build_chain()

    assert without_detail(verify(entries[1:])) == Verification(
        False, 1, 0, b"", entries[1].name, 1, Violation.SEQUENCE_GAP
    )


def test_swapped_entries_are_a_sequence_gap() -> None:
    entries = build_chain()
    swapped = entries[:2] + [entries[3], entries[2]] + entries[4:]

    assert without_detail(verify(swapped)) == broken_at(entries, 2, Violation.SEQUENCE_GAP, name=entries[3].name)


def test_swapped_and_renumbered_entries_break_the_link() -> None:
    entries = build_chain()
    third, fourth = entries[2], entries[3]
    third.sequence, fourth.sequence = 4, 3
    swapped = entries[:2] + [resealed(fourth), resealed(third)] + entries[4:]

    assert without_detail(verify(swapped)) == broken_at(entries, 2, Violation.PREV_HASH_MISMATCH, name=fourth.name)


def test_an_edited_prev_hash_is_a_prev_hash_mismatch() -> None:
    entries = build_chain()
    entries[3].prev_hash = entries[1].hash

    assert without_detail(verify(entries)) == broken_at(entries, 3, Violation.PREV_HASH_MISMATCH)


def test_an_edited_and_resealed_entry_breaks_the_next_link() -> None:
    entries = build_chain()
    entries[2].postings[0].amount.amount_minor += 500
    entries[2].postings[2].amount.amount_minor += 500
    forged = resealed(entries[2])

    result = verify(entries)

    # The forged entry itself is consistent; its successor still points at the original hash.
    assert without_detail(result) == Verification(
        False, 4, 3, forged.hash, entries[3].name, 4, Violation.PREV_HASH_MISMATCH
    )
    assert result.detail == "prev_hash is not the previous entry's hash"


def test_an_unbalanced_resealed_head_is_unbalanced() -> None:
    entries = build_chain()
    entries[-1].postings[2].amount.amount_minor -= 1
    resealed(entries[-1])

    result = verify(entries)

    assert without_detail(result) == broken_at(entries, N - 1, Violation.UNBALANCED)
    assert result.detail == "postings in EUR are off by 1 minor units (debits − credits)"


def test_a_resealed_head_where_a_memo_posting_balances_a_real_one_is_unbalanced() -> None:
    entries = build_chain()
    entries[-1].postings[2].account = "tenants/acme/accounts/authorization-holds-sandbox-alpha"
    resealed(entries[-1])

    assert without_detail(verify(entries)) == broken_at(entries, N - 1, Violation.UNBALANCED)


def _set_account(account: str):
    def edit(posting: journal_entry_pb2.Posting) -> None:
        posting.account = account

    return edit


def _set_amount(minor: int):
    def edit(posting: journal_entry_pb2.Posting) -> None:
        posting.amount.amount_minor = minor

    return edit


def _set_currency(code: str):
    def edit(posting: journal_entry_pb2.Posting) -> None:
        posting.amount.currency_code = code

    return edit


def _set_direction(direction: int):
    def edit(posting: journal_entry_pb2.Posting) -> None:
        posting.direction = direction

    return edit


@pytest.mark.parametrize(
    ("edit", "detail"),
    [
        (_set_account("tenants/acme/accounts/cash"), "posting 1: account is not in the chart of accounts"),
        (_set_account("tenants/acme/accounts/cash-at-psp-Bad"), "posting 1: account is not in the chart of accounts"),
        (
            _set_account("tenants/globex/accounts/psp-fees-sandbox-alpha"),
            "posting 1: account belongs to another tenant",
        ),
        (_set_account("psp-fees-sandbox-alpha"), "posting 1: account belongs to another tenant"),
        (_set_amount(0), "posting 1: amount is not positive"),
        (_set_amount(-5), "posting 1: amount is not positive"),
        (_set_currency("eur"), "posting 1: currency code is malformed"),
        (_set_currency(""), "posting 1: currency code is malformed"),
        (_set_direction(journal_entry_pb2.POSTING_DIRECTION_UNSPECIFIED), "posting 1: no direction"),
        (_set_direction(7), "posting 1: no direction"),
    ],
    ids=[
        "outside-chart",
        "malformed-psp",
        "other-tenant",
        "bare-id",
        "zero",
        "negative",
        "lower-currency",
        "no-currency",
        "no-direction",
        "unknown-direction",
    ],
)
def test_an_invalid_resealed_posting_is_an_invalid_posting(edit, detail: str) -> None:
    entries = build_chain()
    edit(entries[2].postings[1])
    resealed(entries[2])

    result = verify(entries)

    assert without_detail(result) == broken_at(entries, 2, Violation.INVALID_POSTING)
    assert result.detail == detail


@pytest.mark.parametrize("keep", [0, 1])
def test_a_resealed_entry_with_fewer_than_two_postings_is_an_invalid_posting(keep: int) -> None:
    entries = build_chain()
    del entries[1].postings[keep:]
    resealed(entries[1])

    result = verify(entries)

    assert without_detail(result) == broken_at(entries, 1, Violation.INVALID_POSTING)
    assert result.detail == f"{keep} posting(s); at least two are needed"


def test_a_chain_verified_as_another_tenant_breaks_on_the_first_posting() -> None:
    entries = build_chain()

    result = verify(entries, tenant="globex")

    assert without_detail(result) == broken_at(entries, 0, Violation.INVALID_POSTING)
    assert result.detail == "posting 0: account belongs to another tenant"


def test_missing_reports_a_gap_past_the_last_entry() -> None:
    entries = build_chain()
    verifier = ChainVerifier(TENANT, 1, GENESIS)
    for entry in entries[:-1]:
        assert verifier.feed(journal_encoding.recorded(entry))

    verifier.missing(N)

    assert without_detail(verifier.result()) == Verification(
        False, N, N - 1, entries[-2].hash, "", N, Violation.SEQUENCE_GAP
    )
