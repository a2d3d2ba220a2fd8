"""The tax hook: one small interface a real provider implements, and a built-in calculator.

`TaxCalculator.calculate(TaxRequest) -> TaxResult` is all a provider (Avalara, Stripe Tax, a
VAT service) implements: it receives the invoice's lines (id, tax code, priced amount, whether
the price includes tax), the customer (where they are taxed, tax id, business or not) and the
seller's jurisdiction, and answers the tax of every line in minor units. The app layer calls it
between transactions (no transaction stays open across a provider's network call) and hands
the result to `Invoice.finalize`, which checks that it fits the invoice before using it.

`RuleBasedTaxCalculator` is the built-in provider: rates per jurisdiction (a country, and a
region inside it where rates differ, e.g. US states or Canadian provinces), per tax code;
zero-rated codes (taxable at 0 %: reported, input tax deductible) and exempt codes (outside
the tax) both give no tax but stay distinguishable; tax-exclusive prices get amount × rate on
top, tax-inclusive prices contain price × rate / (1 + rate); a business customer with a tax id
buying from another country is reverse-charged (no tax; the customer accounts for it) where the
jurisdiction's rules say so (EU VAT). Rounding is the domain's one rule (rounding.py): half to
even, per line.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Protocol

from mesh.money import Money
from services.invoicing.domain.billing_errors import TaxCodeUnknown
from services.invoicing.domain.rounding import round_half_even

__all__ = [
    "CustomerTaxDetails",
    "Jurisdiction",
    "JurisdictionRules",
    "LineTax",
    "RuleBasedTaxCalculator",
    "TaxCalculator",
    "TaxCustomer",
    "TaxLine",
    "TaxRate",
    "TaxRequest",
    "TaxResult",
    "TaxTreatment",
    "line_tax",
]

_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z0-9]{1,3}")


class TaxTreatment(enum.Enum):
    TAXABLE = "taxable"
    ZERO_RATED = "zero_rated"  # taxable at 0 %
    EXEMPT = "exempt"  # outside the tax
    REVERSE_CHARGE = "reverse_charge"  # the business customer accounts for the tax


@dataclasses.dataclass(frozen=True)
class Jurisdiction:
    """An ISO 3166-1 country ("DE") and, where rates differ inside it, its ISO 3166-2
    subdivision without the country prefix ("CA" for US-CA); "" for the whole country."""

    country: str
    region: str = ""

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country) or (self.region and not _REGION.fullmatch(self.region)):
            raise ValueError(f"not an ISO 3166 country and region: {self.country!r}, {self.region!r}")

    def __str__(self) -> str:
        return f"{self.country}-{self.region}" if self.region else self.country

    @property
    def whole_country(self) -> Jurisdiction:
        return Jurisdiction(self.country)


@dataclasses.dataclass(frozen=True)
class TaxCustomer:
    """Who is billed, as tax sees them: where they are taxed, and their tax id if a business."""

    location: Jurisdiction
    tax_id: str = ""
    business: bool = False

    @property
    def may_self_account(self) -> bool:
        """A registered business: cross-border supplies to it can be reverse-charged."""
        return self.business and bool(self.tax_id.strip())


@dataclasses.dataclass(frozen=True)
class CustomerTaxDetails:
    """What an invoice was told of its customer's tax when it was created; "" for no country is
    the seller's country."""

    country: str = ""
    region: str = ""
    tax_id: str = ""
    business: bool = False

    def customer(self, seller: Jurisdiction) -> TaxCustomer:
        """Unset country: a consumer taxed where the seller is."""
        location = Jurisdiction(self.country, self.region) if self.country else seller
        return TaxCustomer(location, self.tax_id, self.business)


@dataclasses.dataclass(frozen=True)
class TaxLine:
    """One invoice line to tax: `amount` is its priced amount, negative for a credit line."""

    line_id: str
    tax_code: str
    amount: Money
    tax_inclusive: bool = False


@dataclasses.dataclass(frozen=True)
class TaxRequest:
    currency_code: str
    seller: Jurisdiction
    customer: TaxCustomer
    lines: tuple[TaxLine, ...]


@dataclasses.dataclass(frozen=True)
class LineTax:
    """The tax of one line (negative for a credit line), its rate and why, where it is owed."""

    line_id: str
    tax: Money
    rate: Fraction = Fraction(0)
    treatment: TaxTreatment = TaxTreatment.TAXABLE
    jurisdiction: str = ""


@dataclasses.dataclass(frozen=True)
class TaxResult:
    lines: tuple[LineTax, ...]


class TaxCalculator(Protocol):
    """The tax hook. Raise TaxCodeUnknown for a line whose code has no rate where the customer
    is taxed, TaxCalculationFailed when no answer can be given (the invoice stays DRAFT)."""

    async def calculate(self, request: TaxRequest) -> TaxResult: ...


@dataclasses.dataclass(frozen=True)
class TaxRate:
    """A rate (an exact fraction: 19 % is Fraction(19, 100)) and its treatment."""

    rate: Fraction
    treatment: TaxTreatment = TaxTreatment.TAXABLE

    def __post_init__(self) -> None:
        if not isinstance(self.rate, Fraction) or self.rate < 0:
            raise ValueError(f"a tax rate is a non-negative Fraction, not {self.rate!r}")
        if self.treatment is not TaxTreatment.TAXABLE and self.rate != 0:
            raise ValueError(f"a {self.treatment.value} code has no rate")

    @classmethod
    def percent(cls, value: str | int) -> TaxRate:
        """From a percentage written exactly: "19", "8.875" (a float would be a guess)."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"write the percentage as a string or an int, not {type(value).__name__}")
        return cls(Fraction(value) / 100)

    @classmethod
    def zero_rated(cls) -> TaxRate:
        return cls(Fraction(0), TaxTreatment.ZERO_RATED)

    @classmethod
    def exempt(cls) -> TaxRate:
        return cls(Fraction(0), TaxTreatment.EXEMPT)


@dataclasses.dataclass(frozen=True)
class JurisdictionRules:
    """The rates of one jurisdiction by tax code. A region's rules refine its country's: a code
    is looked up in the region first, then in the country. `reverse_charge` says that supplies
    from abroad to a registered business here are reverse-charged."""

    jurisdiction: Jurisdiction
    rates: Mapping[str, TaxRate]
    reverse_charge: bool = False


def line_tax(amount_minor: int, rate: Fraction, inclusive: bool) -> int:
    """The tax of a priced amount: on top of it (exclusive) or contained in it (inclusive)."""
    if inclusive:
        return round_half_even(amount_minor * rate / (1 + rate))
    return round_half_even(amount_minor * rate)


class RuleBasedTaxCalculator:
    """The built-in TaxCalculator, from a table of JurisdictionRules."""

    def __init__(self, rules: Iterable[JurisdictionRules]) -> None:
        self._rules = {rule.jurisdiction: rule for rule in rules}

    async def calculate(self, request: TaxRequest) -> TaxResult:
        return self.compute(request)

    def compute(self, request: TaxRequest) -> TaxResult:
        """What `calculate` answers, without the await (the rules need no I/O)."""
        return TaxResult(tuple(self._line(line, request) for line in request.lines))

    def _line(self, line: TaxLine, request: TaxRequest) -> LineTax:
        location = request.customer.location
        rate = self._rate(line, location)
        if rate.treatment is TaxTreatment.TAXABLE and self._reverse_charged(request):
            rate = TaxRate(Fraction(0), TaxTreatment.REVERSE_CHARGE)
        tax = line_tax(line.amount.amount_minor, rate.rate, line.tax_inclusive)
        return LineTax(line.line_id, Money(line.amount.currency_code, tax), rate.rate, rate.treatment, str(location))

    def _rate(self, line: TaxLine, location: Jurisdiction) -> TaxRate:
        for where in (location, location.whole_country):
            rules = self._rules.get(where)
            if rules is not None and line.tax_code in rules.rates:
                return rules.rates[line.tax_code]
        raise TaxCodeUnknown(line.line_id, line.tax_code, str(location))

    def _reverse_charged(self, request: TaxRequest) -> bool:
        customer = request.customer
        country_rules = self._rules.get(customer.location.whole_country)
        return (
            customer.may_self_account
            and request.seller.country != customer.location.country
            and country_rules is not None
            and country_rules.reverse_charge
        )
