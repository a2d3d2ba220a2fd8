"""Properties, for any mix of lines, discounts, tax codes, inclusive and exclusive prices,
prorations, customers and currencies with 0, 2 and 3 decimals, through any sequence of
payments, credit notes, write-offs and voids:

- totals tie out to the minor unit: subtotal − discounts + tax = total, and
  total − paid − credited − voided = amount_due − customer_credit;
- the ledger those moves book has a zero trial balance, and every account holds exactly what
  the invoice says;
- credit notes never exceed what is creditable, on the invoice or on a line;
- a refused move raises for a reason that holds, and changes nothing.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import datetime

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from mesh.money import Money, minor_unit_exponent
from services.invoicing.domain import accounts, postings
from services.invoicing.domain.billing_errors import (
    BillingError,
    CreditExceedsInvoice,
    InvalidCreditNote,
    InvoiceEmpty,
    InvoiceStateInvalid,
    PaymentExceedsAmountDue,
)
from services.invoicing.domain.credit_notes import CreditLineRequest, CreditNoteReason, issue_credit_note
from services.invoicing.domain.entries import Direction, EntryDraft, credit, debit
from services.invoicing.domain.invoice import Action, Invoice, InvoiceState, NewLine, ServicePeriod
from services.invoicing.domain.invoice.states import allowed
from services.invoicing.domain.invoice.totals import totals_of
from services.invoicing.domain.rounding import scale
from services.invoicing.domain.tax import TaxCustomer
from tests.unit.invoicing.invoice_fixtures import DE, FR, T0, T1, T2, US_CA, finalize

CURRENCIES = ["JPY", "CLP", "EUR", "USD", "KWD", "BHD"]
assert sorted({minor_unit_exponent(code) for code in CURRENCIES}) == [0, 2, 3]
CUSTOMERS = [
    TaxCustomer(DE),
    TaxCustomer(FR),
    TaxCustomer(FR, tax_id="FR40303265045", business=True),
    TaxCustomer(US_CA),
]
TAX_CODES = ["", "standard", "reduced", "zero", "exempt"]
CASH = accounts.cash_at_psp("sandbox-alpha")
MICROSECOND = datetime.timedelta(microseconds=1)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def periods(draw) -> ServicePeriod:
    length = datetime.timedelta(seconds=draw(st.integers(1, 31 * 86_400)))
    prorated = draw(st.booleans())
    start_offset = datetime.timedelta(seconds=draw(st.integers(0, length.total_seconds() - 1)))
    return ServicePeriod(T0, T0 + length, T0 + start_offset if prorated else None)


@st.composite
def new_lines(draw, currency: str) -> NewLine:
    exponent = minor_unit_exponent(currency)
    return NewLine(
        description="line",
        quantity=draw(st.integers(1, 20)),
        unit_amount=Money(currency, draw(st.integers(1, 10 ** (exponent + 4)))),
        credit=draw(st.sampled_from([False, False, False, True])),
        tax_code=draw(st.sampled_from(TAX_CODES)),
        tax_inclusive=draw(st.booleans()),
        period=draw(st.none() | periods()),
    )


@st.composite
def issued_invoices(draw) -> Invoice:
    currency = draw(st.sampled_from(CURRENCIES))
    lines = draw(st.lists(new_lines(currency), min_size=1, max_size=6))
    draft = Invoice.draft(
        name="tenants/acme/invoices/inv_p",
        currency_code=currency,
        lines=lines,
        created_at=T0,
        days_until_due=draw(st.integers(0, 365)),
    )
    check_invoice(draft)
    try:
        return finalize(draft, draw(st.sampled_from(CUSTOMERS)))
    except InvoiceEmpty:
        assume(False)  # credits at least as large as the charges: nothing to issue, rightly


# What must hold of any invoice.


def check_invoice(invoice: Invoice) -> None:
    totals, zero = invoice.totals, Money.zero(invoice.currency_code)
    assert totals == totals_of(invoice.currency_code, invoice.lines)
    assert totals.subtotal - totals.discounts + totals.tax == totals.total
    assert totals.net == Money.total(invoice.currency_code, (line.amount for line in invoice.lines))
    assert totals.tax == Money.total(invoice.currency_code, (line.tax for line in invoice.lines))
    for line in invoice.lines:
        check_line(line, zero)
    assert invoice.amount_credited == Money.total(
        invoice.currency_code, (line.amount_credited + line.tax_credited for line in invoice.lines)
    )
    assert invoice.amount_paid == Money.total(invoice.currency_code, (p.amount for p in invoice.payments))
    if invoice.is_issued:
        check_issued(invoice, zero)
    else:
        assert invoice.amount_due == invoice.customer_credit == invoice.amount_paid == invoice.amount_credited == zero


def check_line(line, zero: Money) -> None:
    assert line.total == line.amount + line.tax
    assert line.price == (line.amount + line.tax if line.tax_inclusive else line.amount)
    if line.credit:
        assert line.price <= zero and line.amount <= zero and line.tax <= zero
        assert line.amount_credited == line.tax_credited == zero
    else:
        assert zero <= line.amount and zero <= line.tax and (line.tax <= line.price or not line.tax_inclusive)
        assert zero <= line.amount_credited <= line.amount and zero <= line.tax_credited <= line.tax


def check_issued(invoice: Invoice, zero: Money) -> None:
    assert invoice.total > zero and invoice.totals.net > zero
    assert (
        invoice.total - invoice.amount_paid - invoice.amount_credited - invoice.amount_voided
        == invoice.amount_due - invoice.customer_credit
    )
    assert invoice.amount_due >= zero and invoice.customer_credit >= zero
    assert invoice.amount_due == zero or invoice.customer_credit == zero
    assert zero <= invoice.amount_credited <= invoice.total
    assert invoice.creditable == invoice.total - invoice.amount_credited
    if invoice.state in (InvoiceState.PAID, InvoiceState.VOID):
        assert invoice.amount_due == zero
    if invoice.state is InvoiceState.OPEN:
        assert invoice.amount_due > zero


# The ledger the invoice's life books, and what its accounts must hold.


@dataclasses.dataclass
class Ledger:
    balances: collections.Counter = dataclasses.field(default_factory=collections.Counter)  # debit-positive
    keys: set[str] = dataclasses.field(default_factory=set)
    recovered: int = 0

    def book(self, entry: EntryDraft | None) -> None:
        if entry is None:
            return
        assert entry.key not in self.keys, "a move booked twice"
        self.keys.add(entry.key)
        for posting in entry.postings:
            sign = 1 if posting.direction is Direction.DEBIT else -1
            self.balances[posting.account, posting.amount.currency_code] += sign * posting.amount.amount_minor

    def check(self, invoice: Invoice) -> None:
        currency = invoice.currency_code
        assert sum(amount for (_, code), amount in self.balances.items() if code == currency) == 0  # trial balance
        assert {code for _, code in self.balances} <= {currency}
        for account, expected in expected_balances(invoice, self.recovered).items():
            assert self.balances[account, currency] == expected, account


def expected_balances(invoice: Invoice, recovered: int) -> dict[str, int]:
    """Debit-positive balances the invoice's figures imply."""
    totals, void = invoice.totals, invoice.state is InvoiceState.VOID
    credited_amount = sum(line.amount_credited.amount_minor for line in invoice.lines)
    credited_tax = sum(line.tax_credited.amount_minor for line in invoice.lines)
    outstanding_write_off = 0 if void else invoice.amount_written_off.amount_minor - recovered
    kept = 0 if void else 1  # voiding takes back what was not credited
    return {
        accounts.ACCOUNTS_RECEIVABLE: invoice.receivable.amount_minor - outstanding_write_off,
        accounts.BAD_DEBT: outstanding_write_off,
        CASH: invoice.amount_paid.amount_minor,
        accounts.REVENUE: -(credited_amount + kept * (totals.subtotal.amount_minor - credited_amount)),
        accounts.DISCOUNTS: kept * totals.discounts.amount_minor,
        accounts.REFUNDS: credited_amount,
        accounts.TAX_PAYABLE: -kept * (totals.tax.amount_minor - credited_tax),
    }


def payment_entry(invoice: Invoice, amount: Money) -> EntryDraft:
    """What PaymentCaptured books for the capture applied (fee left out: it is not the invoice's)."""
    return EntryDraft.of(
        f"capture:{len(invoice.payments)}",
        [debit(CASH, amount), credit(accounts.ACCOUNTS_RECEIVABLE, amount)],
        description="capture",
        source_resource="pi",
    )


# Moves, drawn as data; each returns the next invoice and the entries it books.


def share(amount: Money, percent: int) -> Money:
    return Money(amount.currency_code, amount.amount_minor * percent // 100)


@st.composite
def moves(draw, invoice: Invoice):
    kind = draw(
        st.sampled_from(
            ["pay", "pay", "credit amount", "credit amount", "credit lines", "credit lines", "uncollectible", "void"]
        )
    )
    if kind == "pay":
        return kind, draw(st.integers(1, 120))
    if kind == "credit amount":
        return kind, draw(st.integers(0, 120))
    if kind == "credit lines":
        charges = [line for line in invoice.lines if not line.credit]
        chosen = draw(
            st.lists(st.sampled_from(charges), min_size=1, max_size=len(charges), unique_by=lambda charge: charge.id)
        )
        return kind, [draw(line_requests(line)) for line in chosen]
    return kind, None


@st.composite
def line_requests(draw, line) -> CreditLineRequest:
    how = draw(st.sampled_from(["rest", "percent", "proration"] if line.period else ["rest", "percent"]))
    if how == "percent":
        return CreditLineRequest(line.id, share(line.amount, draw(st.integers(1, 130))))
    if how == "proration":
        seconds = (line.period.end - line.period.start).total_seconds()
        offset = datetime.timedelta(seconds=draw(st.integers(0, int(seconds) - 1)))
        return CreditLineRequest(line.id, proration_start=line.period.start + offset)
    return CreditLineRequest(line.id)


def perform(invoice: Invoice, move, ledger: Ledger, number: int) -> Invoice:
    kind, argument = move
    if kind == "pay":
        amount = Money(invoice.currency_code, max(share(invoice.amount_due, argument).amount_minor, 1))
        paid = invoice.apply_payment(amount, payment_intent=f"pi_{number}", at=T2)
        ledger.book(payment_entry(invoice, amount))
        recovery = postings.uncollectible_payment_recovered(invoice, amount)
        ledger.book(recovery)
        ledger.recovered += amount.amount_minor if recovery else 0
        return paid
    if kind in ("credit amount", "credit lines"):
        request = {"amount": share(invoice.creditable, argument)} if kind == "credit amount" else {"lines": argument}
        note, credited = issue_credit_note(
            invoice,
            name=f"cn_{number}",
            number=f"CN-{number}",
            reason=CreditNoteReason.ORDER_CHANGE,
            created_at=T2,
            **request,
        )
        assert Money.zero(invoice.currency_code) < note.total <= invoice.creditable
        assert credited.amount_credited == invoice.amount_credited + note.total
        ledger.book(postings.credit_note_issued(note))
        return credited
    if kind == "uncollectible":
        written_off = invoice.mark_uncollectible(at=T2)
        ledger.book(postings.invoice_marked_uncollectible(written_off))
        return written_off
    voided = invoice.void(reason="", at=T2)
    ledger.book(postings.invoice_voided(voided))
    return voided


def check_refusal(invoice: Invoice, move, error: BillingError) -> None:
    """A refusal must have a reason that holds for this invoice and this move."""
    kind, argument = move
    action = {
        "pay": Action.PAY,
        "credit amount": Action.CREDIT,
        "credit lines": Action.CREDIT,
        "uncollectible": Action.MARK_UNCOLLECTIBLE,
        "void": Action.VOID,
    }[kind]
    if isinstance(error, InvoiceStateInvalid):
        assert not allowed(action, invoice.state) or (kind == "void" and invoice.amount_paid.amount_minor > 0)
    elif isinstance(error, PaymentExceedsAmountDue):
        assert invoice.amount_due.amount_minor == 0 or argument > 100  # 1 minor unit at least is asked
    elif isinstance(error, CreditExceedsInvoice):
        assert credit_can_exceed(invoice, move)
    elif isinstance(error, InvalidCreditNote):
        assert kind == "credit amount" and share(invoice.creditable, argument).amount_minor == 0
    else:
        raise AssertionError(f"unexpected refusal {error!r}")


def credit_can_exceed(invoice: Invoice, move) -> bool:
    kind, argument = move
    if kind == "credit amount":
        return False  # a share of at most 120 % is refused only above 100 %, by the invoice's total
    lines = {line.id: line for line in invoice.lines}
    most = 0
    for request in argument:
        line = lines[request.line_item]
        asked = asked_of(line, request)
        if asked > line.creditable_amount.amount_minor or asked == 0:
            return True
        most += asked + line.creditable_tax.amount_minor
    return most > invoice.creditable.amount_minor


def asked_of(line, request: CreditLineRequest) -> int:
    """The amount before tax a line request asks for, as credit_note.proto defines it."""
    if request.amount is not None:
        return request.amount.amount_minor
    if request.proration_start is None:
        return line.creditable_amount.amount_minor
    period = line.period
    unused = period.end - max(request.proration_start, period.billed_from)
    return scale(line.amount.amount_minor, unused // MICROSECOND, (period.end - period.billed_from) // MICROSECOND)


@PROPERTY_SETTINGS
@given(st.data())
def test_totals_tie_out_and_the_ledger_balances_through_any_life(data) -> None:
    invoice = data.draw(issued_invoices())
    ledger = Ledger()
    ledger.book(postings.invoice_finalized(invoice))
    check_invoice(invoice)
    ledger.check(invoice)

    for number in range(data.draw(st.integers(0, 8))):
        move = data.draw(moves(invoice))
        before = copy.deepcopy(invoice)
        try:
            invoice = perform(invoice, move, ledger, number)
        except BillingError as error:
            event(f"{move[0]}: refused, {type(error).__name__}")
            assert invoice == before
            if move[0] == "credit amount" and move[1] > 100:
                assert isinstance(error, (CreditExceedsInvoice, InvoiceStateInvalid, InvalidCreditNote))
            else:
                check_refusal(invoice, move, error)
            continue
        event(f"{move[0]}: done")
        check_invoice(invoice)
        ledger.check(invoice)


@PROPERTY_SETTINGS
@given(issued_invoices(), st.lists(st.integers(1, 10**7), min_size=1, max_size=12))
def test_credit_notes_never_exceed_what_is_creditable(invoice: Invoice, asks: list[int]) -> None:
    issued_total = invoice.total
    for number, ask in enumerate(asks):
        amount = Money(invoice.currency_code, ask)
        before = copy.deepcopy(invoice)
        try:
            note, invoice = issue_credit_note(
                invoice,
                name=f"cn_{number}",
                number=f"CN-{number}",
                reason=CreditNoteReason.DUPLICATE,
                created_at=T2,
                amount=amount,
            )
        except CreditExceedsInvoice as refused:
            assert amount > before.creditable and invoice == before
            assert refused.metadata["remaining_minor"] == str(before.creditable.amount_minor)
            continue
        assert note.total == amount <= before.creditable
        for line in invoice.lines:
            assert line.creditable_amount.amount_minor >= 0 and line.creditable_tax.amount_minor >= 0
        check_invoice(invoice)
    assert invoice.amount_credited <= issued_total and invoice.total == issued_total
    assert invoice.creditable.amount_minor >= 0


@PROPERTY_SETTINGS
@given(issued_invoices())
def test_crediting_every_line_in_full_gives_back_the_charges_exactly(invoice: Invoice) -> None:
    charges = [line for line in invoice.lines if not line.credit and line.creditable_amount.amount_minor]
    assume(charges)
    try:
        note, credited = issue_credit_note(
            invoice,
            name="cn",
            number="CN-1",
            reason=CreditNoteReason.DUPLICATE,
            created_at=T1,
            lines=[CreditLineRequest(line.id) for line in charges],
        )
    except CreditExceedsInvoice:
        assert invoice.totals.discounts.amount_minor > 0  # the credit lines made the total smaller
        return
    assert note.subtotal == invoice.totals.subtotal
    assert note.tax == Money.total(invoice.currency_code, (line.tax for line in charges))
    assert credited.creditable == invoice.total - note.total
