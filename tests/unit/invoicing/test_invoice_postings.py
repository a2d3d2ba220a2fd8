"""The entries invoices and credit notes book: balanced, on the chart's accounts, once each."""

from __future__ import annotations

from mesh.money import Money
from services.invoicing.domain import accounts, postings
from services.invoicing.domain.credit_notes import CreditLineRequest, CreditNoteReason, issue_credit_note
from services.invoicing.domain.entries import credit, debit
from tests.unit.invoicing.invoice_fixtures import NAME, T2, draft, line, opened

AR, REVENUE, TAX, DISCOUNTS = accounts.ACCOUNTS_RECEIVABLE, accounts.REVENUE, accounts.TAX_PAYABLE, accounts.DISCOUNTS
REFUNDS, BAD_DEBT = accounts.REFUNDS, accounts.BAD_DEBT


def eur(minor: int) -> Money:
    return Money("EUR", minor)


def note_on(invoice, **request):
    return issue_credit_note(
        invoice,
        name=f"{NAME}/creditNotes/cn_1",
        number="CN-000001",
        reason=CreditNoteReason.ORDER_CHANGE,
        created_at=T2,
        **request,
    )


def test_the_discounts_account_is_contra_revenue_on_the_debit_side() -> None:
    discounts = accounts.classify("discounts")

    assert (discounts.type, discounts.normal, discounts.memo) == (
        accounts.AccountType.DISCOUNTS,
        accounts.NormalSide.DEBIT,
        False,
    )


def test_finalizing_books_the_receivable_the_charges_the_discounts_and_the_tax() -> None:
    invoice = opened(line(10_000), line(1_000, credit=True))  # 10 000 − 1 000 + 1 710

    entry = postings.invoice_finalized(invoice)

    assert entry.postings == (
        debit(AR, eur(10_710)),
        debit(DISCOUNTS, eur(1_000)),
        credit(REVENUE, eur(10_000)),
        credit(TAX, eur(1_710)),
    )
    assert (entry.key, entry.source_resource) == (f"invoice:{NAME}:finalized", NAME)
    assert "INV-000001" in entry.description


def test_credit_lines_taxed_above_the_charges_debit_tax_payable() -> None:
    invoice = opened(line(10_000, tax_code="exempt"), line(1_000, credit=True))  # tax −190

    assert postings.invoice_finalized(invoice).postings == (
        debit(AR, eur(8_810)),
        debit(DISCOUNTS, eur(1_000)),
        credit(REVENUE, eur(10_000)),
        debit(TAX, eur(190)),
    )


def test_a_credit_note_books_its_reversing_entry() -> None:
    note, _ = note_on(opened(line(10_000)), lines=[CreditLineRequest("li_1", eur(2_000))])

    entry = postings.credit_note_issued(note)

    assert entry.postings == (debit(REFUNDS, eur(2_000)), debit(TAX, eur(380)), credit(AR, eur(2_380)))
    assert entry.key == f"creditNote:{note.name}:issued" and entry.source_resource == note.name


def test_voiding_reverses_what_was_not_credited() -> None:
    _, credited = note_on(opened(line(10_000), line(1_000, credit=True)), lines=[CreditLineRequest("li_1", eur(2_000))])
    voided = credited.void(reason="", at=T2)

    entry = postings.invoice_voided(voided)

    # 10 710 issued, 2 380 credited: 8 330 cancelled.
    assert entry.postings == (
        debit(REVENUE, eur(8_000)),
        credit(DISCOUNTS, eur(1_000)),
        debit(TAX, eur(1_330)),
        credit(AR, eur(8_330)),
    )
    assert postings.invoice_voided(draft().void(reason="", at=T2)) is None


def test_writing_off_books_bad_debt_and_voiding_after_it_reverses_the_bad_debt() -> None:
    written_off = opened(line(10_000)).mark_uncollectible(at=T2)

    assert postings.invoice_marked_uncollectible(written_off).postings == (
        debit(BAD_DEBT, eur(11_900)),
        credit(AR, eur(11_900)),
    )
    assert postings.invoice_voided(written_off.void(reason="", at=T2)).postings == (
        debit(REVENUE, eur(10_000)),
        debit(TAX, eur(1_900)),
        credit(BAD_DEBT, eur(11_900)),
    )


def test_a_payment_on_a_written_off_invoice_recovers_that_much_of_it() -> None:
    written_off = opened(line(10_000)).mark_uncollectible(at=T2)

    first = postings.uncollectible_payment_recovered(written_off, eur(1_000))
    after = written_off.apply_payment(eur(1_000), payment_intent="pi_1", at=T2)
    second = postings.uncollectible_payment_recovered(after, eur(500))

    assert first.postings == (debit(AR, eur(1_000)), credit(BAD_DEBT, eur(1_000)))
    assert first.key != second.key
    assert postings.uncollectible_payment_recovered(opened(), eur(1)) is None
