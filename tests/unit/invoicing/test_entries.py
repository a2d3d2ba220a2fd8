"""EntryDraft.of: only balanced double entries, per currency and apart for memo accounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesh.errors import Code
from mesh.money import Money
from services.invoicing.domain.entries import Direction, EntryDraft, Posting, credit, debit, imbalance
from services.invoicing.domain.errors import AccountNotFound, UnbalancedEntry

AR = "accounts-receivable"
REVENUE = "revenue"
TAX = "tax-payable"
CASH = "cash-at-psp-sandbox-alpha"
FEES = "psp-fees-sandbox-alpha"
HOLDS = "authorization-holds-sandbox-alpha"
OFFSET = "authorization-holds-offset"


def eur(minor: int) -> Money:
    return Money("EUR", minor)


def usd(minor: int) -> Money:
    return Money("USD", minor)


def draft(*postings: Posting) -> EntryDraft:
    return EntryDraft.of(
        "key-1",
        postings,
        description="Invoice INV-1 issued",
        source_resource="tenants/acme/invoices/1",
        source_event_id="evt-1",
        source_event_type="commerce.invoicing.v1.InvoiceFinalized",
    )


def test_a_balanced_draft_keeps_its_postings_in_order_and_its_fields() -> None:
    made = draft(debit(AR, eur(12_100)), credit(REVENUE, eur(10_000)), credit(TAX, eur(2_100)))

    assert made == EntryDraft(
        "key-1",
        (debit(AR, eur(12_100)), credit(REVENUE, eur(10_000)), credit(TAX, eur(2_100))),
        "Invoice INV-1 issued",
        "tenants/acme/invoices/1",
        "evt-1",
        "commerce.invoicing.v1.InvoiceFinalized",
    )
    assert made.postings[0].direction is Direction.DEBIT
    assert made.postings[1].direction is Direction.CREDIT


def test_source_event_defaults_to_empty() -> None:
    made = EntryDraft.of("k", [debit(AR, eur(1)), credit(REVENUE, eur(1))], description="d", source_resource="r")

    assert (made.source_event_id, made.source_event_type) == ("", "")


def test_zero_postings_are_dropped() -> None:
    made = draft(debit(AR, eur(10_000)), credit(REVENUE, eur(10_000)), credit(TAX, eur(0)))

    assert made.postings == (debit(AR, eur(10_000)), credit(REVENUE, eur(10_000)))


@pytest.mark.parametrize(
    "postings",
    [
        (),
        (debit(AR, eur(100)),),
        (debit(AR, eur(0)), credit(REVENUE, eur(0))),
        (debit(AR, eur(100)), credit(REVENUE, eur(0))),  # one posting once the zero is dropped
    ],
    ids=["none", "one", "two-zeros", "one-plus-zero"],
)
def test_fewer_than_two_postings_are_refused(postings: tuple[Posting, ...]) -> None:
    with pytest.raises(UnbalancedEntry, match="at least two postings"):
        draft(*postings)


def test_negative_postings_are_refused_even_when_they_balance() -> None:
    with pytest.raises(UnbalancedEntry, match="not positive"):
        draft(debit(AR, eur(-100)), debit(REVENUE, eur(100)))


def test_unbalanced_entry_is_refused() -> None:
    with pytest.raises(UnbalancedEntry) as raised:
        draft(debit(AR, eur(10_000)), credit(REVENUE, eur(9_999)))

    assert raised.value.problem == "postings in EUR are off by 1 minor units (debits − credits)"


def test_unbalanced_entry_is_internal_ledger_unbalanced() -> None:
    with pytest.raises(UnbalancedEntry) as raised:
        draft(debit(AR, eur(100)), credit(REVENUE, eur(101)))

    error = raised.value
    assert error.code is Code.INTERNAL
    assert (error.reason.name, error.reason.domain) == ("LEDGER_UNBALANCED", "commerce.invoicing.v1")
    assert error.message == f"journal entry refused: {error.problem}"


def test_two_currencies_each_balanced_are_fine() -> None:
    made = draft(debit(AR, eur(100)), credit(REVENUE, eur(100)), debit(AR, usd(250)), credit(REVENUE, usd(250)))

    assert len(made.postings) == 4


def test_two_currencies_one_off_by_a_cent_are_refused() -> None:
    with pytest.raises(UnbalancedEntry) as raised:
        draft(debit(AR, eur(100)), credit(REVENUE, eur(100)), debit(AR, usd(250)), credit(REVENUE, usd(249)))

    assert raised.value.problem == "postings in USD are off by 1 minor units (debits − credits)"


def test_currencies_never_balance_each_other() -> None:
    with pytest.raises(UnbalancedEntry, match="EUR are off by 100"):
        draft(debit(AR, eur(100)), credit(REVENUE, usd(100)))


def test_memo_postings_balance_among_themselves() -> None:
    made = draft(debit(CASH, eur(100)), credit(AR, eur(100)), debit(OFFSET, eur(100)), credit(HOLDS, eur(100)))

    assert len(made.postings) == 4


def test_a_memo_posting_cannot_balance_a_real_one() -> None:
    with pytest.raises(UnbalancedEntry) as raised:
        draft(debit(CASH, eur(100)), credit(HOLDS, eur(100)))

    assert raised.value.problem == "postings in EUR are off by 100 minor units (debits − credits)"


def test_an_unbalanced_memo_pair_is_named_as_such() -> None:
    with pytest.raises(UnbalancedEntry) as raised:
        draft(debit(CASH, eur(100)), credit(AR, eur(100)), debit(OFFSET, eur(100)), credit(HOLDS, eur(101)))

    assert raised.value.problem == "memo postings in EUR are off by -1 minor units (debits − credits)"


def test_real_and_memo_imbalances_that_cancel_out_are_still_refused() -> None:
    # Real postings off by +5, memo postings off by −5: the sum is zero, the entry is not balanced.
    with pytest.raises(UnbalancedEntry, match="off by"):
        draft(debit(CASH, eur(105)), credit(AR, eur(100)), debit(OFFSET, eur(100)), credit(HOLDS, eur(105)))


def test_an_account_outside_the_chart_is_refused_as_a_bug() -> None:
    # Posting rules are code: an unknown account is a bug (INTERNAL), never a caller's NOT_FOUND.
    with pytest.raises(UnbalancedEntry, match="'cash' is not in the chart of accounts") as raised:
        draft(debit("cash", eur(100)), credit(REVENUE, eur(100)))
    assert not isinstance(raised.value, AccountNotFound)


def test_imbalance_is_empty_for_balanced_postings() -> None:
    assert imbalance([debit(AR, eur(5)), credit(REVENUE, eur(2)), credit(TAX, eur(3))]) == ""


# -- property: random balanced multi-currency drafts pass; one cent moved breaks them ----------

REAL_ACCOUNTS = [AR, REVENUE, TAX, CASH, FEES, "refunds", "bad-debt", "cash-at-psp-sandbox-beta"]
MEMO_ACCOUNTS = [HOLDS, OFFSET, "authorization-holds-sandbox-beta"]
CURRENCIES = ["EUR", "USD", "JPY", "KWD"]


@st.composite
def balanced_group(draw: st.DrawFn, currency: str, accounts: list[str]) -> list[Posting]:
    """Debits and credits in one currency on `accounts`, summing to the same positive total."""
    debits = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=4))
    total = sum(debits)
    cuts = draw(st.lists(st.integers(1, total - 1), max_size=min(3, total - 1), unique=True)) if total > 1 else []
    bounds = [0, *sorted(cuts), total]
    credits = [high - low for low, high in zip(bounds, bounds[1:], strict=False)]  # consecutive bounds, one fewer
    account = st.sampled_from(accounts)
    return [debit(draw(account), Money(currency, amount)) for amount in debits] + [
        credit(draw(account), Money(currency, amount)) for amount in credits
    ]


@st.composite
def balanced_postings(draw: st.DrawFn) -> list[Posting]:
    currencies = draw(st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=4, unique=True))
    postings: list[Posting] = []
    for currency in currencies:
        postings += draw(balanced_group(currency, REAL_ACCOUNTS))
        if draw(st.booleans()):
            postings += draw(balanced_group(currency, MEMO_ACCOUNTS))
    return draw(st.permutations(postings))


@given(balanced_postings())
def test_random_balanced_multi_currency_drafts_pass(postings: list[Posting]) -> None:
    made = EntryDraft.of("k", postings, description="d", source_resource="r")

    assert made.postings == tuple(postings)


@given(balanced_postings(), st.data())
def test_moving_one_cent_on_one_posting_breaks_the_draft(postings: list[Posting], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(postings) - 1))
    cent = data.draw(st.sampled_from([1, -1]))
    moved = postings[index]
    postings[index] = Posting(
        moved.account, moved.direction, Money(moved.amount.currency_code, moved.amount.amount_minor + cent)
    )

    # A posting of 1 moved down to 0 is dropped: still unbalanced by that cent.
    with pytest.raises(UnbalancedEntry):
        EntryDraft.of("k", postings, description="d", source_resource="r")
