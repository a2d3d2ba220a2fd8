"""LedgerService over real gRPC on both backends: balances, listing, verification, tenancy."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.invoicing.v1 import account_pb2
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from commerce.payments.v1 import events_pb2
from mesh.resilience.rpc_errors import domain_error_of
from tests.integration.invoicing.conftest import PSP, LedgerUnderTest, eur

V = ls.LedgerViolation


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def balance_of(response: ls.GetAccountBalanceResponse) -> tuple[str, int, int, int, int]:
    (only,) = response.balances
    return (
        only.balance.currency_code,
        only.balance.amount_minor,
        only.debits_total.amount_minor,
        only.credits_total.amount_minor,
        only.posting_count,
    )


async def balance(ledger: LedgerUnderTest, account_id: str, currency: str = "") -> ls.GetAccountBalanceResponse:
    return await ledger.ledger.GetAccountBalance(
        ls.GetAccountBalanceRequest(account=ledger.account(account_id), currency_code=currency), metadata=ledger.md()
    )


async def all_entries(ledger: LedgerUnderTest, page_size: int, **filters) -> tuple[list, int]:
    entries, pages, token = [], 0, ""
    while True:
        page = await ledger.ledger.ListJournalEntries(
            ls.ListJournalEntriesRequest(
                parent=f"tenants/{ledger.tenant}", page_size=page_size, page_token=token, **filters
            ),
            metadata=ledger.md(),
        )
        entries += page.journal_entries
        pages += 1
        token = page.next_page_token
        if not token:
            return entries, pages


async def test_balances_follow_the_posting_rules(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_1", amount=10000, fee=320, refund=2500)
    await ledger.authorize_capture_refund("pi_2", amount=4000, fee=146, refund=4000)

    cash = await balance(ledger, f"cash-at-psp-{PSP}")
    assert cash.account_type == account_pb2.ACCOUNT_TYPE_CASH_AT_PSP and cash.as_of_sequence == 6
    # debits: 9680 + 3854 captured net of fees; credits: 2500 + 4000 refunded.
    assert balance_of(cash) == ("EUR", 13534 - 6500, 13534, 6500, 4)
    assert balance_of(await balance(ledger, f"psp-fees-{PSP}")) == ("EUR", 466, 466, 0, 2)
    # Debit-normal and nothing invoiced here: customers hold credit for what they paid, less refunds.
    assert balance_of(await balance(ledger, "accounts-receivable")) == ("EUR", -(14000 - 6500), 6500, 14000, 4)
    # Fully captured: nothing is held any more, on either side of the memo pair.
    assert balance_of(await balance(ledger, f"authorization-holds-{PSP}")) == ("EUR", 0, 14000, 14000, 4)
    offset = await balance(ledger, "authorization-holds-offset")
    assert offset.account_type == account_pb2.ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET
    assert balance_of(offset) == ("EUR", 0, 14000, 14000, 4)


async def test_an_open_authorization_is_held_until_captured_or_voided(ledger: LedgerUnderTest) -> None:
    held = ledger.intent("pi_held")
    await ledger.book(events_pb2.PaymentAuthorized(payment_intent=held, amount=eur(7000), psp=PSP))
    await ledger.book(events_pb2.PaymentCaptured(payment_intent=held, amount=eur(2000), fee=eur(88), psp=PSP))

    assert balance_of(await balance(ledger, f"authorization-holds-{PSP}"))[1] == 5000
    # Credit-normal: the offset's balance is credits − debits, the same 50.00.
    assert balance_of(await balance(ledger, "authorization-holds-offset"))[1] == 5000

    await ledger.book(events_pb2.PaymentCanceled(payment_intent=ledger.intent("pi_void"), amount=eur(900), psp=""))
    await ledger.book(events_pb2.PaymentAuthorized(payment_intent=ledger.intent("pi_v2"), amount=eur(900), psp=PSP))
    await ledger.book(events_pb2.PaymentCanceled(payment_intent=ledger.intent("pi_v2"), amount=eur(900), psp=PSP))

    assert balance_of(await balance(ledger, f"authorization-holds-{PSP}"))[1] == 5000
    entries, _ = await all_entries(ledger, 50)
    assert len(entries) == 4  # the cancel before any authorization booked nothing


async def test_a_currency_without_postings_has_a_zero_balance_when_asked_for(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_1", amount=1000, fee=59, refund=100)

    response = await balance(ledger, "revenue", currency="USD")

    assert response.account_type == account_pb2.ACCOUNT_TYPE_REVENUE
    assert balance_of(response) == ("USD", 0, 0, 0, 0)
    assert (await balance(ledger, "revenue")).balances == []


async def test_an_account_outside_the_chart_is_not_found(ledger: LedgerUnderTest) -> None:
    err = await rpc_error(balance(ledger, "petty-cash"))

    assert err.code() is grpc.StatusCode.NOT_FOUND
    info = domain_error_of(err).detail(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "ACCOUNT_NOT_FOUND",
        "commerce.invoicing.v1",
        {"account": "petty-cash"},
    )


async def test_another_tenants_ledger_is_out_of_reach(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_1", amount=1000, fee=59, refund=100)

    err = await rpc_error(
        ledger.ledger.GetAccountBalance(
            ls.GetAccountBalanceRequest(account=ledger.account("revenue")), metadata=ledger.md("intruder")
        )
    )
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED and domain_error_of(err).reason.name == "TENANT_MISMATCH"

    theirs = await ledger.ledger.ListJournalEntries(
        ls.ListJournalEntriesRequest(parent="tenants/intruder"), metadata=ledger.md("intruder")
    )
    verified = await ledger.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent="tenants/intruder"), metadata=ledger.md("intruder")
    )
    assert list(theirs.journal_entries) == [] and (verified.ok, verified.head_sequence) == (True, 0)


async def test_entries_page_in_ledger_order(ledger: LedgerUnderTest) -> None:
    for n in range(3):
        await ledger.authorize_capture_refund(f"pi_{n}", amount=1000 + n, fee=10, refund=1)

    entries, pages = await all_entries(ledger, page_size=4)

    assert pages == 3 and [entry.sequence for entry in entries] == list(range(1, 10))
    assert all(entry.name.startswith(f"tenants/{ledger.tenant}/journalEntries/je_") for entry in entries)
    assert [entry.prev_hash for entry in entries[1:]] == [entry.hash for entry in entries[:-1]]


async def test_entries_filter_by_account_source_and_event(ledger: LedgerUnderTest) -> None:
    first = await ledger.authorize_capture_refund("pi_a", amount=1000, fee=10, refund=100)
    await ledger.authorize_capture_refund("pi_b", amount=2000, fee=20, refund=200)

    by_intent, _ = await all_entries(ledger, 1, source_resource=ledger.intent("pi_a"))
    by_event, _ = await all_entries(ledger, 10, source_event_id=first[1])
    by_fees, _ = await all_entries(ledger, 10, account=ledger.account(f"psp-fees-{PSP}"))

    assert [e.source_event_type.rsplit(".", 1)[1] for e in by_intent] == ["PaymentAuthorized", "PaymentCaptured"]
    assert [(e.source_event_id, e.source_resource) for e in by_event] == [(first[1], ledger.intent("pi_a"))]
    assert [e.sequence for e in by_fees] == [2, 5]


async def test_a_page_token_only_serves_its_own_query(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_a", amount=1000, fee=10, refund=100)
    page = await ledger.ledger.ListJournalEntries(
        ls.ListJournalEntriesRequest(parent=f"tenants/{ledger.tenant}", page_size=1), metadata=ledger.md()
    )

    err = await rpc_error(
        ledger.ledger.ListJournalEntries(
            ls.ListJournalEntriesRequest(
                parent=f"tenants/{ledger.tenant}",
                page_size=1,
                page_token=page.next_page_token,
                account=ledger.account("revenue"),
            ),
            metadata=ledger.md(),
        )
    )

    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT and domain_error_of(err).reason.name == "INVALID_PAGE_TOKEN"


@pytest.mark.parametrize(
    "request_fields",
    [
        {"page_size": 501},
        {"account": "tenants/{tenant}/ledgers/x"},
        {"source_event_id": "e" * 129},
    ],
)
async def test_oversized_or_malformed_list_requests_are_refused(ledger: LedgerUnderTest, request_fields) -> None:
    fields = {
        name: value.format(tenant=ledger.tenant) if isinstance(value, str) else value
        for name, value in request_fields.items()
    }
    err = await rpc_error(
        ledger.ledger.ListJournalEntries(
            ls.ListJournalEntriesRequest(parent=f"tenants/{ledger.tenant}", **fields), metadata=ledger.md()
        )
    )

    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT and domain_error_of(err).reason.name == "VALIDATION_FAILED"


async def test_verify_reports_the_head_of_an_intact_chain(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_a", amount=1000, fee=10, refund=100)
    entries, _ = await all_entries(ledger, 10)

    whole = await ledger.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent=f"tenants/{ledger.tenant}"), metadata=ledger.md()
    )
    tail = await ledger.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent=f"tenants/{ledger.tenant}", start_sequence=2, end_sequence=2),
        metadata=ledger.md(),
    )

    assert (whole.ok, whole.entries_checked, whole.head_sequence, whole.head_hash) == (True, 3, 3, entries[-1].hash)
    assert whole.violation == V.LEDGER_VIOLATION_UNSPECIFIED and whole.first_broken_entry == ""
    assert (tail.ok, tail.entries_checked, tail.head_sequence, tail.head_hash) == (True, 1, 2, entries[1].hash)


async def test_verify_finds_an_edited_posting(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_a", amount=1000, fee=10, refund=100)
    entries, _ = await all_entries(ledger, 10)
    await drop_append_only_triggers(ledger)
    # A "small correction" made behind the ledger's back: one cent more cash on the capture.
    await ledger.sql(
        "UPDATE ledger_postings SET amount_minor = amount_minor + 1 WHERE entry_sequence = 2 AND position = 0"
    )

    verified = await ledger.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent=f"tenants/{ledger.tenant}"), metadata=ledger.md()
    )

    assert (verified.ok, verified.violation) == (False, V.LEDGER_VIOLATION_HASH_MISMATCH)
    assert (verified.first_broken_entry, verified.first_broken_sequence) == (entries[1].name, 2)
    assert (verified.entries_checked, verified.head_sequence, verified.head_hash) == (2, 1, entries[0].hash)


async def test_the_database_refuses_to_rewrite_history(ledger: LedgerUnderTest) -> None:
    await ledger.authorize_capture_refund("pi_a", amount=1000, fee=10, refund=100)

    for statement in ("UPDATE ledger_postings SET amount_minor = 1", "DELETE FROM journal_entries"):
        with pytest.raises(Exception, match="append-only"):
            await ledger.sql(statement)

    verified = await ledger.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent=f"tenants/{ledger.tenant}"), metadata=ledger.md()
    )
    assert (verified.ok, verified.head_sequence) == (True, 3)


async def test_verify_refuses_a_range_that_ends_before_it_starts(ledger: LedgerUnderTest) -> None:
    err = await rpc_error(
        ledger.ledger.VerifyLedger(
            ls.VerifyLedgerRequest(parent=f"tenants/{ledger.tenant}", start_sequence=5, end_sequence=2),
            metadata=ledger.md(),
        )
    )

    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT and domain_error_of(err).reason.name == "VALIDATION_FAILED"
    # A rule on the whole message has no field path; its message says what is wrong.
    (violation,) = domain_error_of(err).detail(error_details_pb2.BadRequest).field_violations
    assert (violation.field, violation.description) == ("", "end_sequence must be 0 or not below start_sequence")


async def drop_append_only_triggers(ledger: LedgerUnderTest) -> None:
    """What only someone with DDL rights can do; the hash chain is there to catch them."""
    if ledger.runtime.database.dialect == "postgresql":
        await ledger.sql(
            "DROP TRIGGER ledger_postings_append_only ON ledger_postings",
            "DROP TRIGGER journal_entries_append_only ON journal_entries",
        )
    else:
        await ledger.sql("DROP TRIGGER ledger_postings_no_update", "DROP TRIGGER journal_entries_no_update")
