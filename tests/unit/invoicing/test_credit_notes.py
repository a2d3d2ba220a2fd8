"""Credit notes: by lines, by proration, by amount; tax given back in proportion; never above what
is still creditable; refused on drafts, voided and uncollectible invoices, changing nothing."""

from __future__ import annotations

import copy
import datetime

import pytest

from mesh.money import Money
from services.invoicing.domain.billing_errors import (
    CreditExceedsInvoice,
    InvalidCreditNote,
    InvoiceStateInvalid,
    LineItemNotFound,
)
from services.invoicing.domain.credit_notes import CreditLineRequest, CreditNoteReason, issue_credit_note
from services.invoicing.domain.invoice import Invoice, InvoiceState, ServicePeriod
from tests.unit.invoicing.invoice_fixtures import PERIOD, T0, T2, draft, finalize, in_state, line, opened


def eur(minor: int) -> Money:
    return Money("EUR", minor)


def credit(invoice: Invoice, *, amount: Money | None = None, lines=(), number: str = "CN-000001"):
    return issue_credit_note(
        invoice,
        name=f"{invoice.name}/creditNotes/{number}",
        number=number,
        reason=CreditNoteReason.PRODUCT_UNSATISFACTORY,
        created_at=T2,
        amount=amount,
        lines=lines,
        memo="sorry",
    )


def test_crediting_part_of_a_line_gives_back_its_tax_in_proportion() -> None:
    invoice = opened(line(10_000), line(5_000, tax_code="reduced"))  # 11 900 + 5 350

    note, credited = credit(invoice, lines=[CreditLineRequest("li_1", eur(2_500))])

    assert [(item.line_item, item.description, item.amount, item.tax) for item in note.lines] == [
        ("li_1", "Pro plan", eur(2_500), eur(475))
    ]
    assert (note.subtotal, note.tax, note.total) == (eur(2_500), eur(475), eur(2_975))
    assert (note.invoice, note.reason, note.memo, note.created_at) == (
        invoice.name,
        CreditNoteReason.PRODUCT_UNSATISFACTORY,
        "sorry",
        T2,
    )
    assert credited.amount_credited == eur(2_975)
    assert credited.amount_due == invoice.amount_due - eur(2_975)
    assert (credited.lines[0].amount_credited, credited.lines[0].tax_credited) == (eur(2_500), eur(475))
    assert credited.lines[1] == invoice.lines[1]


def test_a_line_credited_in_pieces_gives_back_exactly_its_tax_in_the_end() -> None:
    invoice = opened(line(1_001))  # tax 190.19 → 190
    taxes = []
    for _ in range(7):
        note, invoice = credit(invoice, lines=[CreditLineRequest("li_1", eur(143))])
        taxes.append(note.tax.amount_minor)

    assert sum(taxes) == 190 and invoice.lines[0].creditable_tax == eur(0)
    assert invoice.lines[0].creditable_amount == eur(0) and invoice.state is InvoiceState.PAID


def test_a_line_without_an_amount_is_credited_for_all_that_is_left_of_it() -> None:
    _, partly = credit(opened(line(10_000)), lines=[CreditLineRequest("li_1", eur(3_333))])

    note, full = credit(partly, lines=[CreditLineRequest("li_1")], number="CN-000002")

    assert (note.subtotal, note.tax) == (eur(6_667), eur(1_900 - 633))  # 3 333 × 19 % = 633.27
    assert full.amount_credited == full.total and full.state is InvoiceState.PAID


def test_a_proration_credit_gives_back_the_unused_time() -> None:
    invoice = opened(line(3_000, period=PERIOD))  # 30 days

    note, _ = credit(invoice, lines=[CreditLineRequest("li_1", proration_start=T0 + datetime.timedelta(days=20))])

    assert (note.subtotal, note.tax) == (eur(1_000), eur(190))


def test_a_proration_credit_of_a_prorated_line_counts_only_the_time_billed() -> None:
    billed_from_day_10 = ServicePeriod(PERIOD.start, PERIOD.end, T0 + datetime.timedelta(days=10))
    invoice = opened(line(3_000, period=billed_from_day_10))  # 2 000 for 20 days

    before_billing, _ = credit(invoice, lines=[CreditLineRequest("li_1", proration_start=T0)])
    half, _ = credit(invoice, lines=[CreditLineRequest("li_1", proration_start=T0 + datetime.timedelta(days=20))])

    assert before_billing.subtotal == eur(2_000) and half.subtotal == eur(1_000)


def test_an_amount_is_spread_over_the_charge_lines_tax_included() -> None:
    invoice = opened(line(10_000), line(5_000, tax_code="exempt"), line(1_000, credit=True))  # 11 900, 5 000, −1 190

    note, credited = credit(invoice, amount=eur(7_000))

    assert note.total == eur(7_000)
    assert [(item.line_item, item.amount.amount_minor, item.tax.amount_minor) for item in note.lines] == [
        ("li_1", 4_142, 787),
        ("li_2", 2_071, 0),
    ]  # 7 000 × 11 900 / 16 900 = 4 928.99 → 4 929; × 100/119 = 4 142
    assert credited.amount_due == invoice.total - eur(7_000)


def test_a_credit_on_a_paid_invoice_leaves_a_customer_credit_and_it_stays_paid() -> None:
    paid = in_state("PAID")

    _, credited = credit(paid, amount=eur(1_000))

    assert credited.state is InvoiceState.PAID
    assert (credited.amount_due, credited.customer_credit) == (eur(0), eur(1_000))
    assert credited.total - credited.amount_paid - credited.amount_credited == -credited.customer_credit


def test_a_credit_covering_what_is_due_pays_an_open_invoice() -> None:
    invoice = opened(line(10_000)).apply_payment(eur(9_000), payment_intent="pi_1", at=T2)

    _, credited = credit(invoice, amount=eur(2_900))

    assert credited.state is InvoiceState.PAID and credited.amount_due == eur(0)


@pytest.mark.parametrize(
    ("request_", "remaining", "line_item"),
    [
        ({"lines": [CreditLineRequest("li_1", eur(10_001))]}, 10_000, "li_1"),
        ({"amount": eur(11_901)}, 11_900, ""),
    ],
    ids=["a line's amount", "the invoice's total"],
)
def test_a_credit_above_what_is_creditable_is_refused_with_what_remains(
    request_, remaining: int, line_item: str
) -> None:
    invoice = opened(line(10_000))
    before = copy.deepcopy(invoice)

    with pytest.raises(CreditExceedsInvoice) as refused:
        credit(invoice, **request_)

    expected = {"remaining_minor": str(remaining)} | ({"line_item": line_item} if line_item else {})
    assert refused.value.metadata == expected
    assert (refused.value.reason, refused.value.code) == ("CREDIT_EXCEEDS_INVOICE", "FAILED_PRECONDITION")
    assert invoice == before


def test_crediting_charge_lines_cannot_exceed_a_total_lowered_by_discounts() -> None:
    invoice = opened(line(10_000), line(5_000, credit=True))  # charges 11 900, total 5 950

    with pytest.raises(CreditExceedsInvoice) as refused:
        credit(invoice, lines=[CreditLineRequest("li_1")])

    assert refused.value.metadata == {"remaining_minor": "5950"}
    note, _ = credit(invoice, lines=[CreditLineRequest("li_1", eur(5_000))])
    assert note.total == eur(5_950)


def test_what_was_credited_is_no_longer_creditable() -> None:
    _, credited = credit(opened(line(10_000)), amount=eur(11_000))

    with pytest.raises(CreditExceedsInvoice) as refused:
        credit(credited, amount=eur(901), number="CN-000002")

    assert refused.value.metadata == {"remaining_minor": "900"}


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (CreditLineRequest("li_9", eur(1)), "no such line"),
        (CreditLineRequest("li_2", eur(1)), "credit line"),
        (CreditLineRequest("li_1", proration_start=T0), "period"),
    ],
)
def test_a_line_that_cannot_be_credited_is_named(request_: CreditLineRequest, why: str) -> None:
    invoice = opened(line(10_000), line(100, credit=True))

    with pytest.raises(LineItemNotFound, match=why) as refused:
        credit(invoice, lines=[request_])

    assert refused.value.metadata == {"line_item": request_.line_item}


def test_a_proration_start_outside_the_lines_period_is_refused() -> None:
    invoice = opened(line(3_000, period=PERIOD))

    with pytest.raises(LineItemNotFound):
        credit(invoice, lines=[CreditLineRequest("li_1", proration_start=PERIOD.end)])


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"amount": eur(100), "lines": [CreditLineRequest("li_1", eur(1))]},
        {"amount": eur(0)},
        {"amount": Money("USD", 100)},
        {"lines": [CreditLineRequest("li_1", eur(1)), CreditLineRequest("li_1", eur(1))]},
        {"lines": [CreditLineRequest("li_1", eur(1), proration_start=T0)]},
        {"lines": [CreditLineRequest("li_1", eur(-1))]},
    ],
)
def test_a_request_that_is_not_one_credit_note_is_refused(request_) -> None:
    with pytest.raises(InvalidCreditNote):
        credit(opened(line(10_000)), **request_)


@pytest.mark.parametrize("state", ["DRAFT", "VOID", "UNCOLLECTIBLE"])
def test_only_open_and_paid_invoices_take_credit_notes(state: str) -> None:
    invoice = in_state(state)
    before = copy.deepcopy(invoice)

    with pytest.raises(InvoiceStateInvalid):
        credit(invoice, lines=[CreditLineRequest("li_1")])

    assert invoice == before


def test_three_decimal_and_zero_decimal_currencies_credit_to_the_minor_unit() -> None:
    for currency in ("KWD", "JPY"):
        invoice = finalize(draft(line(12_345, currency=currency), currency=currency))
        note, credited = credit(invoice, amount=Money(currency, 1_001))
        assert note.total == Money(currency, 1_001) and credited.amount_credited == Money(currency, 1_001)


def test_tax_given_back_is_never_negative_after_a_spread_took_more_than_its_share() -> None:
    invoice = opened(line(11))  # tax 2.09 → 2
    _, invoice = credit(invoice, lines=[CreditLineRequest("li_1", eur(3))])  # tax 0.55 → 1
    spread, invoice = credit(invoice, amount=eur(5), number="CN-000002")  # 4 + 1: the last of the tax

    note, invoice = credit(invoice, lines=[CreditLineRequest("li_1", eur(1))], number="CN-000003")

    assert (spread.subtotal, spread.tax) == (eur(4), eur(1))
    assert (note.subtotal, note.tax) == (eur(1), eur(0))  # 2 × 8/11 = 1.45 → 1, already 2 given back
    assert invoice.lines[0].tax_credited == invoice.lines[0].tax == eur(2)
