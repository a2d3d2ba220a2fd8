"""The tax hook's built-in calculator: rates by jurisdiction and region, per tax code; zero-rated
and exempt codes; tax-inclusive and exclusive prices; reverse charge for registered businesses."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mesh.money import Money
from services.invoicing.domain.billing_errors import TaxCodeUnknown
from services.invoicing.domain.tax import (
    Jurisdiction,
    JurisdictionRules,
    LineTax,
    RuleBasedTaxCalculator,
    TaxCalculator,
    TaxCustomer,
    TaxLine,
    TaxRate,
    TaxRequest,
    TaxResult,
    TaxTreatment,
    line_tax,
)

DE, FR, US, US_CA, US_OR = (
    Jurisdiction("DE"),
    Jurisdiction("FR"),
    Jurisdiction("US"),
    Jurisdiction("US", "CA"),
    Jurisdiction("US", "OR"),
)
RULES = [
    JurisdictionRules(
        DE,
        {
            "standard": TaxRate.percent("19"),
            "reduced": TaxRate.percent(7),
            "export": TaxRate.zero_rated(),
            "medical": TaxRate.exempt(),
        },
        reverse_charge=True,
    ),
    JurisdictionRules(FR, {"standard": TaxRate.percent("20")}, reverse_charge=True),
    JurisdictionRules(US, {"digital": TaxRate.exempt()}),
    JurisdictionRules(US_CA, {"standard": TaxRate.percent("7.25"), "digital": TaxRate.percent("7.25")}),
    JurisdictionRules(US_OR, {"standard": TaxRate.percent(0)}),
]
CALCULATOR = RuleBasedTaxCalculator(RULES)


def request(*lines: TaxLine, customer: TaxCustomer = TaxCustomer(DE), seller: Jurisdiction = DE) -> TaxRequest:
    return TaxRequest("EUR", seller, customer, lines)


def eur(minor: int) -> Money:
    return Money("EUR", minor)


def taxes(result: TaxResult) -> list[int]:
    return [line.tax.amount_minor for line in result.lines]


async def test_the_built_in_calculator_is_a_tax_hook() -> None:
    hook: TaxCalculator = CALCULATOR

    result = await hook.calculate(request(TaxLine("li_1", "standard", eur(10_000))))

    assert result == TaxResult((LineTax("li_1", eur(1_900), Fraction(19, 100), TaxTreatment.TAXABLE, "DE"),))


def test_exclusive_prices_get_tax_on_top_and_inclusive_prices_contain_it() -> None:
    result = CALCULATOR.compute(
        request(
            TaxLine("li_1", "standard", eur(1_999)),
            TaxLine("li_2", "standard", eur(1_999), tax_inclusive=True),
            TaxLine("li_3", "reduced", eur(1_070), tax_inclusive=True),
        )
    )

    assert taxes(result) == [380, 319, 70]  # 379.81; 1999 × 19/119 = 319.17; 1070 × 7/107 = 70


def test_a_credit_lines_tax_is_the_exact_negation_of_the_same_charges() -> None:
    for inclusive in (False, True):
        for amount in (1, 250, 1_999, 12_345):
            charge, credit = CALCULATOR.compute(
                request(
                    TaxLine("c", "standard", eur(amount), inclusive), TaxLine("d", "standard", eur(-amount), inclusive)
                )
            ).lines
            assert credit.tax == -charge.tax


def test_halves_round_to_even_per_line() -> None:
    # 7 % of 50 = 3.5 → 4, of 150 = 10.5 → 10: unbiased, not always up.
    assert taxes(CALCULATOR.compute(request(TaxLine("a", "reduced", eur(50)), TaxLine("b", "reduced", eur(150))))) == [
        4,
        10,
    ]
    assert line_tax(50, Fraction(7, 100), False) == 4


def test_zero_rated_and_exempt_codes_give_no_tax_but_keep_their_treatment() -> None:
    result = CALCULATOR.compute(request(TaxLine("a", "export", eur(5_000)), TaxLine("b", "medical", eur(5_000))))

    assert taxes(result) == [0, 0]
    assert [line.treatment for line in result.lines] == [TaxTreatment.ZERO_RATED, TaxTreatment.EXEMPT]


def test_a_region_refines_its_country_and_falls_back_to_it() -> None:
    california, oregon = TaxCustomer(US_CA), TaxCustomer(US_OR)

    assert taxes(CALCULATOR.compute(request(TaxLine("a", "standard", eur(10_000)), customer=california))) == [725]
    assert taxes(CALCULATOR.compute(request(TaxLine("a", "standard", eur(10_000)), customer=oregon))) == [0]
    oregon_digital = CALCULATOR.compute(request(TaxLine("a", "digital", eur(10_000)), customer=oregon)).lines[0]
    assert (oregon_digital.tax, oregon_digital.treatment, oregon_digital.jurisdiction) == (
        eur(0),
        TaxTreatment.EXEMPT,
        "US-OR",
    )


def test_a_registered_business_abroad_is_reverse_charged_where_the_rules_say_so() -> None:
    business = TaxCustomer(FR, tax_id="FR40303265045", business=True)
    line = TaxLine("a", "standard", eur(10_000))

    abroad = CALCULATOR.compute(request(line, customer=business, seller=DE)).lines[0]
    at_home = CALCULATOR.compute(request(line, customer=business, seller=FR)).lines[0]
    consumer = CALCULATOR.compute(request(line, customer=TaxCustomer(FR), seller=DE)).lines[0]
    no_tax_id = CALCULATOR.compute(request(line, customer=TaxCustomer(FR, business=True), seller=DE)).lines[0]

    assert (abroad.tax, abroad.treatment) == (eur(0), TaxTreatment.REVERSE_CHARGE)
    assert at_home.tax == consumer.tax == no_tax_id.tax == eur(2_000)
    us_business = TaxCustomer(US_CA, tax_id="12-3456789", business=True)
    assert CALCULATOR.compute(request(line, customer=us_business, seller=DE)).lines[0].tax == eur(725)


def test_exempt_stays_exempt_under_reverse_charge() -> None:
    business = TaxCustomer(DE, tax_id="DE123456789", business=True)

    line = CALCULATOR.compute(request(TaxLine("a", "medical", eur(100)), customer=business, seller=FR)).lines[0]

    assert line.treatment is TaxTreatment.EXEMPT


def test_an_unknown_code_or_jurisdiction_names_the_line_and_code() -> None:
    with pytest.raises(TaxCodeUnknown) as unknown:
        CALCULATOR.compute(request(TaxLine("li_1", "standard", eur(1)), TaxLine("li_2", "luxury", eur(1))))
    assert unknown.value.metadata == {"line_item": "li_2", "tax_code": "luxury", "jurisdiction": "DE"}
    assert unknown.value.reason == "TAX_CODE_UNKNOWN" and unknown.value.code == "FAILED_PRECONDITION"

    with pytest.raises(TaxCodeUnknown):
        CALCULATOR.compute(request(TaxLine("li_1", "standard", eur(1)), customer=TaxCustomer(Jurisdiction("JP"))))


@pytest.mark.parametrize("bad", [0.19, True, None])
def test_rates_are_written_exactly(bad) -> None:
    with pytest.raises(TypeError):
        TaxRate.percent(bad)


def test_a_rate_is_non_negative_and_only_taxable_codes_have_one() -> None:
    assert TaxRate.percent("8.875").rate == Fraction(8875, 100_000)
    with pytest.raises(ValueError):
        TaxRate(Fraction(-1, 100))
    with pytest.raises(ValueError):
        TaxRate(Fraction(1, 10), TaxTreatment.EXEMPT)


@pytest.mark.parametrize(("country", "region"), [("de", ""), ("DEU", ""), ("US", "california"), ("", "")])
def test_jurisdictions_are_iso_3166_codes(country: str, region: str) -> None:
    with pytest.raises(ValueError):
        Jurisdiction(country, region)
