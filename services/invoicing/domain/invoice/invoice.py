"""The invoice: a frozen value; every operation returns the next invoice or raises before
anything changes (the state table is states.py).

Its amounts, once issued, always satisfy, to the minor unit:

    total − amount_paid − amount_credited − amount_voided = amount_due − customer_credit

with amount_due ≥ 0, customer_credit ≥ 0 and never both above zero. For an invoice that is
only paid and credited this is the familiar `total − paid − credited = due`; voiding cancels
what was not yet credited (amount_voided), and a credit note on a paid invoice leaves a
customer credit (held in accounts receivable until payments refunds it) instead of a negative
amount due. A DRAFT owes nothing yet: its amount_due is zero and its tax is not computed.
Finalizing freezes lines and totals: nothing but payments, credits and exits changes after.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from mesh.money import Money, is_known_currency
from services.invoicing.domain.billing_errors import (
    CreditExceedsInvoice,
    InvalidInvoice,
    InvalidLineItem,
    InvoiceEmpty,
    InvoiceStateInvalid,
    LineItemNotFound,
    PaymentExceedsAmountDue,
    TaxCalculationFailed,
)
from services.invoicing.domain.invoice.lines import LineItem, NewLine, price_line
from services.invoicing.domain.invoice.states import Action, InvoiceState, require
from services.invoicing.domain.invoice.totals import InvoiceTotals, totals_of
from services.invoicing.domain.tax import Jurisdiction, LineTax, TaxCustomer, TaxLine, TaxRequest, TaxResult

__all__ = ["MAX_LINES", "AppliedPayment", "Invoice", "LineCredit"]

MAX_LINES = 250
MAX_DAYS_UNTIL_DUE = 365


@dataclasses.dataclass(frozen=True)
class AppliedPayment:
    payment_intent: str
    amount: Money
    applied_at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class LineCredit:
    """What one credit note takes off one charge line: `amount` before tax, and its `tax`."""

    line_item: str
    amount: Money
    tax: Money


@dataclasses.dataclass(frozen=True, kw_only=True)
class Invoice:
    name: str
    currency_code: str
    lines: tuple[LineItem, ...]
    totals: InvoiceTotals
    state: InvoiceState = InvoiceState.DRAFT
    number: str = ""
    customer: str = ""
    order: str = ""
    subscription: str = ""
    days_until_due: int = 0
    created_at: datetime.datetime
    updated_at: datetime.datetime
    issued_at: datetime.datetime | None = None
    due_at: datetime.datetime | None = None
    amount_paid: Money
    amount_credited: Money
    amount_voided: Money
    amount_written_off: Money
    payments: tuple[AppliedPayment, ...] = ()
    void_reason: str = ""

    # Creating and editing a draft.

    @classmethod
    def draft(
        cls,
        *,
        name: str,
        currency_code: str,
        lines: Sequence[NewLine],
        created_at: datetime.datetime,
        customer: str = "",
        order: str = "",
        subscription: str = "",
        days_until_due: int = 0,
    ) -> Invoice:
        """A DRAFT with `lines` priced, ids "li_1", "li_2", … in order; InvalidInvoice if it cannot be."""
        if not is_known_currency(currency_code):
            raise InvalidInvoice(f"{currency_code!r} is not an ISO 4217 currency with a minor unit")
        if not 0 <= days_until_due <= MAX_DAYS_UNTIL_DUE:
            raise InvalidInvoice(f"days_until_due must lie in 0..{MAX_DAYS_UNTIL_DUE}")
        if not 1 <= len(lines) <= MAX_LINES:
            raise InvalidLineItem(f"an invoice has 1 to {MAX_LINES} line items, not {len(lines)}")
        priced = tuple(price_line(f"li_{index}", new, currency_code) for index, new in enumerate(lines, 1))
        zero = Money.zero(currency_code)
        return cls(
            name=name,
            currency_code=currency_code,
            lines=priced,
            totals=totals_of(currency_code, priced),
            customer=customer,
            order=order,
            subscription=subscription,
            days_until_due=days_until_due,
            created_at=created_at,
            updated_at=created_at,
            amount_paid=zero,
            amount_credited=zero,
            amount_voided=zero,
            amount_written_off=zero,
        )

    def add_line(self, new: NewLine, *, at: datetime.datetime) -> Invoice:
        require(Action.EDIT, self.state)
        if len(self.lines) >= MAX_LINES:
            raise InvalidLineItem(f"an invoice has at most {MAX_LINES} line items")
        line_id = f"li_{max(int(line.id.removeprefix('li_')) for line in self.lines) + 1}"
        return self._with_lines(self.lines + (price_line(line_id, new, self.currency_code),), at)

    def remove_line(self, line_id: str, *, at: datetime.datetime) -> Invoice:
        require(Action.EDIT, self.state)
        kept = tuple(line for line in self.lines if line.id != line_id)
        if len(kept) == len(self.lines):
            raise LineItemNotFound(line_id, "the invoice has no such line")
        if not kept:
            raise InvalidLineItem("an invoice keeps at least one line item")
        return self._with_lines(kept, at)

    # Finalizing: the app asks tax_request() of the tax hook, then gives its answer to finalize().

    def ensure_finalizable(self) -> None:
        """Raise what finalize would before any tax is asked for (state, nothing to issue)."""
        require(Action.FINALIZE, self.state)
        if self.totals.net.amount_minor <= 0:
            raise InvoiceEmpty("the invoice's charges do not exceed its credit lines: nothing to issue")

    def tax_request(self, *, seller: Jurisdiction, customer: TaxCustomer, default_tax_code: str) -> TaxRequest:
        """What to ask the tax hook; a line without a tax code gets the tenant's default."""
        self.ensure_finalizable()
        lines = tuple(
            TaxLine(line.id, line.tax_code or default_tax_code, line.price, line.tax_inclusive) for line in self.lines
        )
        return TaxRequest(self.currency_code, seller, customer, lines)

    def finalize(self, *, number: str, taxes: TaxResult, at: datetime.datetime) -> Invoice:
        """OPEN: numbered, taxed by `taxes`, totals frozen, due `days_until_due` after `at`."""
        self.ensure_finalizable()
        if not number:
            raise InvalidInvoice("a finalized invoice needs its number")
        lines = self._taxed_lines(taxes)
        totals = totals_of(self.currency_code, lines)
        if totals.net.amount_minor <= 0 or totals.total.amount_minor <= 0:
            raise InvoiceEmpty("once taxed, the invoice's total is not above zero: nothing to issue")
        return dataclasses.replace(
            self,
            state=InvoiceState.OPEN,
            number=number,
            lines=lines,
            totals=totals,
            issued_at=at,
            due_at=at + datetime.timedelta(days=self.days_until_due),
            updated_at=at,
        )

    # Money in and out of an issued invoice.

    def apply_payment(self, amount: Money, *, payment_intent: str, at: datetime.datetime) -> Invoice:
        """Apply a captured payment; PAID once nothing is due. Partial payments lower amount_due."""
        require(Action.PAY, self.state)
        self._require_positive(amount, "a payment")
        if amount > self.amount_due:
            raise PaymentExceedsAmountDue(self.amount_due.amount_minor)
        paid = dataclasses.replace(
            self,
            amount_paid=self.amount_paid + amount,
            updated_at=at,
            payments=self.payments + (AppliedPayment(payment_intent, amount, at),),
        )
        return paid._settled_if_nothing_due()

    def apply_credit(self, credits: Sequence[LineCredit], *, at: datetime.datetime) -> Invoice:
        """Take a credit note's line credits off the invoice (credit_notes.py computes them);
        CreditExceedsInvoice if any line, or the invoice, cannot take that much."""
        require(Action.CREDIT, self.state)
        lines = {line.id: line for line in self.lines}
        for credit in credits:
            lines[credit.line_item] = self._credited_line(lines.get(credit.line_item), credit)
        total = Money.total(self.currency_code, (credit.amount + credit.tax for credit in credits))
        if total > self.creditable:
            raise CreditExceedsInvoice(self.creditable.amount_minor)
        credited = dataclasses.replace(
            self,
            lines=tuple(lines[line.id] for line in self.lines),
            updated_at=at,
            amount_credited=self.amount_credited + total,
        )
        return credited._settled_if_nothing_due() if self.state is InvoiceState.OPEN else credited

    # Exits.

    def void(self, *, reason: str, at: datetime.datetime) -> Invoice:
        """VOID: a draft keeps no number; an issued invoice cancels what was not yet credited."""
        require(Action.VOID, self.state)
        if self.amount_paid.amount_minor:
            raise InvoiceStateInvalid("void", self.state.value, " with payments applied")
        voided = self.total - self.amount_credited if self.is_issued else Money.zero(self.currency_code)
        return dataclasses.replace(
            self, state=InvoiceState.VOID, amount_voided=voided, void_reason=reason, updated_at=at
        )

    def mark_uncollectible(self, *, at: datetime.datetime) -> Invoice:
        """UNCOLLECTIBLE: the amount due is written off to bad debt; it stays due, so a later
        payment still settles the invoice."""
        require(Action.MARK_UNCOLLECTIBLE, self.state)
        return dataclasses.replace(
            self, state=InvoiceState.UNCOLLECTIBLE, amount_written_off=self.amount_due, updated_at=at
        )

    # What it owes.

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def total(self) -> Money:
        return self.totals.total

    @property
    def receivable(self) -> Money:
        """What the customer owes on it (negative: what it owes the customer); zero for a draft."""
        if not self.is_issued:
            return Money.zero(self.currency_code)
        return self.total - self.amount_paid - self.amount_credited - self.amount_voided

    @property
    def amount_due(self) -> Money:
        return max(self.receivable, Money.zero(self.currency_code))

    @property
    def customer_credit(self) -> Money:
        return max(-self.receivable, Money.zero(self.currency_code))

    @property
    def creditable(self) -> Money:
        """What credit notes may still take off it: total − amount_credited (zero unless issued)."""
        return self.total - self.amount_credited if self.is_issued else Money.zero(self.currency_code)

    def line(self, line_id: str) -> LineItem | None:
        return next((line for line in self.lines if line.id == line_id), None)

    # Helpers.

    def _with_lines(self, lines: tuple[LineItem, ...], at: datetime.datetime) -> Invoice:
        return dataclasses.replace(self, lines=lines, totals=totals_of(self.currency_code, lines), updated_at=at)

    def _settled_if_nothing_due(self) -> Invoice:
        if self.amount_due.amount_minor == 0:
            return dataclasses.replace(self, state=InvoiceState.PAID)
        return self

    def _require_positive(self, amount: Money, what: str) -> None:
        if amount.currency_code != self.currency_code or amount.amount_minor <= 0:
            raise InvalidInvoice(f"{what} must be a positive amount in {self.currency_code}")

    def _taxed_lines(self, taxes: TaxResult) -> tuple[LineItem, ...]:
        by_line = {line_tax.line_id: line_tax for line_tax in taxes.lines}
        if len(by_line) != len(taxes.lines) or by_line.keys() != {line.id for line in self.lines}:
            raise TaxCalculationFailed("the tax hook did not answer exactly once for every line")
        return tuple(line.taxed(_checked_tax(line, by_line[line.id])) for line in self.lines)

    def _credited_line(self, line: LineItem | None, credit: LineCredit) -> LineItem:
        if line is None or line.credit:
            raise LineItemNotFound(credit.line_item, "no such charge line on the invoice")
        for part in (credit.amount, credit.tax):
            if part.currency_code != self.currency_code or part.amount_minor < 0:
                raise InvalidInvoice(f"a credit is a non-negative amount in {self.currency_code}")
        if credit.amount > line.creditable_amount:
            raise CreditExceedsInvoice(line.creditable_amount.amount_minor, line.id)
        if credit.tax > line.creditable_tax:
            raise CreditExceedsInvoice(line.creditable_tax.amount_minor, line.id)
        return line.credited(credit.amount, credit.tax)


def _checked_tax(line: LineItem, line_tax: LineTax) -> LineTax:
    """A provider's answer for one line, refused unless it can be true: in the invoice's
    currency, the line's sign (none on a charge's credit side), within an inclusive price."""
    tax = line_tax.tax.amount_minor
    if line_tax.tax.currency_code != line.price.currency_code:
        raise TaxCalculationFailed(f"the tax hook answered line {line.id} in {line_tax.tax.currency_code}")
    if (line.credit and tax > 0) or (not line.credit and tax < 0):
        raise TaxCalculationFailed(f"the tax hook's tax for line {line.id} has the wrong sign")
    if line.tax_inclusive and abs(tax) > abs(line.price.amount_minor):
        raise TaxCalculationFailed(f"the tax hook's tax for line {line.id} exceeds its tax-inclusive price")
    return line_tax
