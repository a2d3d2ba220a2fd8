"""Invoice line items: what the caller asks for (NewLine) and the priced, later taxed, line.

A line's price is quantity × unit_amount, prorated when its period has a proration start
(only the share of the period from it to the end is billed, rounded by the domain's rule),
negated for a credit line (a discount, the unused time of a previous plan). The price is
before tax when the line is tax-exclusive and contains the tax when it is tax-inclusive; so
a line's `amount` (before tax) is its price, less its tax for an inclusive line, and its
`total` (amount + tax) is what the customer pays for it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from fractions import Fraction

from mesh.money import Money
from services.invoicing.domain.billing_errors import InvalidLineItem
from services.invoicing.domain.rounding import scale
from services.invoicing.domain.tax import LineTax, TaxTreatment

__all__ = ["MAX_QUANTITY", "LineItem", "NewLine", "ServicePeriod", "price_line"]

MAX_QUANTITY = 1_000_000
_TAX_CODE = re.compile(r"[A-Za-z0-9_.-]{0,64}")
_DESCRIPTION_MAX = 500
_MICROSECOND = datetime.timedelta(microseconds=1)


@dataclasses.dataclass(frozen=True)
class ServicePeriod:
    """[start, end) the line pays for; from `proration_start` on only, when it is set."""

    start: datetime.datetime
    end: datetime.datetime
    proration_start: datetime.datetime | None = None

    def __post_init__(self) -> None:
        moments = (self.start, self.end) + ((self.proration_start,) if self.proration_start else ())
        if any(moment.utcoffset() is None for moment in moments):
            raise InvalidLineItem("period times must be timezone-aware")
        if self.end <= self.start:
            raise InvalidLineItem("a period must end after it starts")
        if self.proration_start is not None and not self.start <= self.proration_start < self.end:
            raise InvalidLineItem("proration_start must lie in [start, end)")

    @property
    def billed_from(self) -> datetime.datetime:
        return self.proration_start or self.start

    def share_from(self, moment: datetime.datetime) -> tuple[int, int]:
        """(end − moment, end − start) in microseconds: the share of the period after `moment`."""
        return (self.end - moment) // _MICROSECOND, (self.end - self.start) // _MICROSECOND


@dataclasses.dataclass(frozen=True, kw_only=True)
class NewLine:
    """A line as CreateInvoice receives it."""

    description: str
    quantity: int
    unit_amount: Money
    credit: bool = False
    tax_code: str = ""
    tax_inclusive: bool = False
    period: ServicePeriod | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class LineItem:
    """A priced line. `tax` is zero until the invoice is finalized; `amount_credited` (before
    tax) and `tax_credited` grow with credit notes and stay zero on a credit line."""

    id: str
    description: str
    quantity: int
    unit_amount: Money
    price: Money
    credit: bool = False
    tax_code: str = ""
    tax_inclusive: bool = False
    period: ServicePeriod | None = None
    tax: Money
    tax_rate: Fraction = Fraction(0)
    tax_treatment: TaxTreatment | None = None  # None until taxed
    amount_credited: Money
    tax_credited: Money

    @property
    def amount(self) -> Money:
        """Before tax, negative for a credit line."""
        return self.price - self.tax if self.tax_inclusive else self.price

    @property
    def total(self) -> Money:
        return self.amount + self.tax

    @property
    def creditable_amount(self) -> Money:
        return Money.zero(self.price.currency_code) if self.credit else self.amount - self.amount_credited

    @property
    def creditable_tax(self) -> Money:
        return Money.zero(self.price.currency_code) if self.credit else self.tax - self.tax_credited

    def taxed(self, line_tax: LineTax) -> LineItem:
        return dataclasses.replace(self, tax=line_tax.tax, tax_rate=line_tax.rate, tax_treatment=line_tax.treatment)

    def credited(self, amount: Money, tax: Money) -> LineItem:
        return dataclasses.replace(
            self, amount_credited=self.amount_credited + amount, tax_credited=self.tax_credited + tax
        )


def price_line(line_id: str, new: NewLine, currency_code: str) -> LineItem:
    """The line `new` priced in the invoice's currency; InvalidLineItem if it cannot be."""
    _check(new, currency_code)
    full = new.quantity * new.unit_amount.amount_minor
    billed = scale(full, *new.period.share_from(new.period.billed_from)) if new.period else full
    try:
        price = Money(currency_code, -billed if new.credit else billed)
    except ValueError as err:
        raise InvalidLineItem(f"the line's amount does not fit: {err}") from None
    zero = Money.zero(currency_code)
    return LineItem(
        id=line_id,
        description=new.description,
        quantity=new.quantity,
        unit_amount=new.unit_amount,
        price=price,
        credit=new.credit,
        tax_code=new.tax_code,
        tax_inclusive=new.tax_inclusive,
        period=new.period,
        tax=zero,
        amount_credited=zero,
        tax_credited=zero,
    )


def _check(new: NewLine, currency_code: str) -> None:
    if not 1 <= len(new.description) <= _DESCRIPTION_MAX:
        raise InvalidLineItem(f"a description has 1 to {_DESCRIPTION_MAX} characters")
    if isinstance(new.quantity, bool) or not isinstance(new.quantity, int) or not 1 <= new.quantity <= MAX_QUANTITY:
        raise InvalidLineItem(f"quantity must be a whole number from 1 to {MAX_QUANTITY:,}")
    if new.unit_amount.currency_code != currency_code:
        raise InvalidLineItem(f"unit_amount is in {new.unit_amount.currency_code}, the invoice in {currency_code}")
    if new.unit_amount.amount_minor <= 0:
        raise InvalidLineItem("unit_amount must be positive (make a credit line to give money back)")
    if not _TAX_CODE.fullmatch(new.tax_code):
        raise InvalidLineItem("a tax code has up to 64 letters, digits, '_', '.' or '-'")
