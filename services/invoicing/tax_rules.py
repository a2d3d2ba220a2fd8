"""The built-in tax provider's table: a few jurisdictions' rates by tax code. A tenant that
needs another provider plugs a TaxCalculator into InvoicingApp instead."""

from __future__ import annotations

from services.invoicing.domain.tax import Jurisdiction, JurisdictionRules, RuleBasedTaxCalculator, TaxRate

DEFAULT_TAX_CODE = "standard"

_EU_VAT = {
    "DE": ("19", "7"),
    "FR": ("20", "5.5"),
    "NL": ("21", "9"),
    "AT": ("20", "10"),
    "IT": ("22", "10"),
    "ES": ("21", "10"),
}


def _eu(country: str, standard: str, reduced: str) -> JurisdictionRules:
    return JurisdictionRules(
        Jurisdiction(country),
        {
            "standard": TaxRate.percent(standard),
            "reduced": TaxRate.percent(reduced),
            "zero": TaxRate.zero_rated(),
            "exempt": TaxRate.exempt(),
        },
        reverse_charge=True,
    )


DEFAULT_RULES = (
    *(_eu(country, standard, reduced) for country, (standard, reduced) in _EU_VAT.items()),
    JurisdictionRules(
        Jurisdiction("US"),
        {
            "standard": TaxRate.percent(0),
            "reduced": TaxRate.percent(0),
            "zero": TaxRate.zero_rated(),
            "exempt": TaxRate.exempt(),
        },
    ),
    JurisdictionRules(
        Jurisdiction("US", "CA"), {"standard": TaxRate.percent("7.25"), "reduced": TaxRate.percent("7.25")}
    ),
    JurisdictionRules(
        Jurisdiction("US", "NY"), {"standard": TaxRate.percent("8.875"), "reduced": TaxRate.percent("4")}
    ),
)

# The codes CreateInvoice accepts: a code outside every jurisdiction is a caller's mistake.
KNOWN_TAX_CODES = frozenset(code for rules in DEFAULT_RULES for code in rules.rates)


def default_calculator() -> RuleBasedTaxCalculator:
    return RuleBasedTaxCalculator(DEFAULT_RULES)
