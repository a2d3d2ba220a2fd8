"""Credit notes: what may be credited on an issued invoice, and how much of it is tax.

A credit note applies to an OPEN or PAID invoice, partially or fully, and never above what is
still creditable: invoice.total − amount_credited overall, and per charge line its uncredited
amount (before tax) and tax. It is asked for in one of two ways:

- by lines: each named charge line at most once, credited by an amount before tax, by the share
  of its period from a proration start (the unused time after a downgrade), or, with neither, by
  everything still uncredited on it. The tax given back is the line's tax in proportion to what
  has been credited of it so far, cumulatively (round(tax × credited / amount) minus the tax
  already given back), so a line credited in several notes gives back exactly its tax in the
  end, never more;
- by an amount, tax included, spread over the charge lines in proportion to their uncredited
  totals (rounding.split), each share then divided between amount and tax in the proportion of
  what is left of them on that line.

Every figure is rounded by the domain's one rule (rounding.py). `issue_credit_note` returns the
note and the invoice with it applied (Invoice.apply_credit re-checks every bound), or raises
before anything changes. Its ledger entry is postings.credit_note_issued.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Sequence

from mesh.money import Money
from services.invoicing.domain.billing_errors import CreditExceedsInvoice, InvalidCreditNote, LineItemNotFound
from services.invoicing.domain.invoice import Action, Invoice, LineCredit, LineItem
from services.invoicing.domain.invoice.states import require
from services.invoicing.domain.rounding import scale, split

__all__ = ["CreditLineRequest", "CreditNote", "CreditNoteLine", "CreditNoteReason", "issue_credit_note"]


class CreditNoteReason(enum.Enum):
    DUPLICATE = "DUPLICATE"
    FRAUDULENT = "FRAUDULENT"
    ORDER_CHANGE = "ORDER_CHANGE"
    PRODUCT_UNSATISFACTORY = "PRODUCT_UNSATISFACTORY"
    PRORATION = "PRORATION"


@dataclasses.dataclass(frozen=True)
class CreditLineRequest:
    """Credit one charge line by `amount` (before tax), or from `proration_start` to the end of
    its period, or, with neither, by all that is still uncredited on it."""

    line_item: str
    amount: Money | None = None
    proration_start: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class CreditNoteLine:
    line_item: str
    description: str
    amount: Money
    tax: Money

    @property
    def total(self) -> Money:
        return self.amount + self.tax


@dataclasses.dataclass(frozen=True, kw_only=True)
class CreditNote:
    name: str
    number: str
    invoice: str
    lines: tuple[CreditNoteLine, ...]
    reason: CreditNoteReason
    memo: str = ""
    created_at: datetime.datetime

    @property
    def subtotal(self) -> Money:
        return Money.total(self._currency, (line.amount for line in self.lines))

    @property
    def tax(self) -> Money:
        return Money.total(self._currency, (line.tax for line in self.lines))

    @property
    def total(self) -> Money:
        return self.subtotal + self.tax

    @property
    def _currency(self) -> str:
        return self.lines[0].amount.currency_code


def issue_credit_note(
    invoice: Invoice,
    *,
    name: str,
    number: str,
    reason: CreditNoteReason,
    created_at: datetime.datetime,
    amount: Money | None = None,
    lines: Sequence[CreditLineRequest] = (),
    memo: str = "",
) -> tuple[CreditNote, Invoice]:
    """The credit note and the invoice it leaves; exactly one of `amount` and `lines`."""
    require(Action.CREDIT, invoice.state)
    if (amount is None) == (not lines):
        raise InvalidCreditNote("a credit note is either an amount or a set of lines")
    credits = _spread(invoice, amount) if amount is not None else _by_lines(invoice, lines)
    credited = invoice.apply_credit(credits, at=created_at)
    note_lines = tuple(
        CreditNoteLine(credit.line_item, _charge_line(invoice, credit.line_item).description, credit.amount, credit.tax)
        for credit in credits
    )
    note = CreditNote(
        name=name,
        number=number,
        invoice=invoice.name,
        lines=note_lines,
        reason=reason,
        memo=memo,
        created_at=created_at,
    )
    return note, credited


def _by_lines(invoice: Invoice, requests: Sequence[CreditLineRequest]) -> list[LineCredit]:
    if len({request.line_item for request in requests}) != len(requests):
        raise InvalidCreditNote("a credit note names each line item at most once")
    return [_line_credit(_charge_line(invoice, request.line_item), request) for request in requests]


def _line_credit(line: LineItem, request: CreditLineRequest) -> LineCredit:
    if request.amount is not None and request.proration_start is not None:
        raise InvalidCreditNote(f"line {line.id}: credit an amount or from a proration start, not both")
    if request.amount is not None:
        amount = request.amount
    elif request.proration_start is not None:
        amount = _unused_time(line, request.proration_start)
    else:
        amount = line.creditable_amount
    if amount.currency_code != line.price.currency_code or amount.amount_minor < 0:
        raise InvalidCreditNote(f"line {line.id}: a credit is a positive amount in {line.price.currency_code}")
    if amount.amount_minor == 0 or amount > line.creditable_amount:
        raise CreditExceedsInvoice(line.creditable_amount.amount_minor, line.id)
    return LineCredit(line.id, amount, _tax_given_back(line, amount))


def _charge_line(invoice: Invoice, line_id: str) -> LineItem:
    line = invoice.line(line_id)
    if line is None:
        raise LineItemNotFound(line_id, "the invoice has no such line")
    if line.credit:
        raise LineItemNotFound(line_id, "it is a credit line")
    return line


def _unused_time(line: LineItem, since: datetime.datetime) -> Money:
    """The line's amount for its billed time from `since` to the end of its period."""
    if line.period is None or not line.period.start <= since < line.period.end:
        raise LineItemNotFound(line.id, "the proration start is not inside the line's period")
    unused, _ = line.period.share_from(max(since, line.period.billed_from))
    billed, _ = line.period.share_from(line.period.billed_from)
    return Money(line.price.currency_code, scale(line.amount.amount_minor, unused, billed))


def _tax_given_back(line: LineItem, amount: Money) -> Money:
    """The line's tax in proportion to all that will have been credited of it, less what was
    already given back; within what is left of the line's tax."""
    credited_after = (line.amount_credited + amount).amount_minor
    due_back = scale(line.tax.amount_minor, credited_after, line.amount.amount_minor) - line.tax_credited.amount_minor
    return Money(line.tax.currency_code, min(max(due_back, 0), line.creditable_tax.amount_minor))


def _spread(invoice: Invoice, amount: Money) -> list[LineCredit]:
    if amount.currency_code != invoice.currency_code or amount.amount_minor <= 0:
        raise InvalidCreditNote(f"a credit note's amount is positive, in {invoice.currency_code}")
    if amount > invoice.creditable:
        raise CreditExceedsInvoice(invoice.creditable.amount_minor)
    charges = [line for line in invoice.lines if not line.credit]
    remainders = [(line.creditable_amount + line.creditable_tax).amount_minor for line in charges]
    shares = split(amount.amount_minor, remainders)
    return [
        _divided(line, share, remainder)
        for line, share, remainder in zip(charges, shares, remainders, strict=True)
        if share
    ]


def _divided(line: LineItem, share: int, remainder: int) -> LineCredit:
    """A tax-included share of one line, divided as what is left of its amount and tax are."""
    amount = scale(share, line.creditable_amount.amount_minor, remainder)
    currency = line.price.currency_code
    return LineCredit(line.id, Money(currency, amount), Money(currency, share - amount))
