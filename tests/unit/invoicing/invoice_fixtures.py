"""Invoices in every state, and the tax rules they are taxed by, for the invoicing domain tests."""

from __future__ import annotations

import datetime

from mesh.money import Money
from services.invoicing.domain.invoice import Invoice, NewLine, ServicePeriod
from services.invoicing.domain.tax import (
    Jurisdiction,
    JurisdictionRules,
    RuleBasedTaxCalculator,
    TaxCustomer,
    TaxRate,
)

T0 = datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC)
T1 = T0 + datetime.timedelta(hours=1)
T2 = T0 + datetime.timedelta(hours=2)
NAME = "tenants/acme/invoices/inv_1"

DE, FR, US_CA = Jurisdiction("DE"), Jurisdiction("FR"), Jurisdiction("US", "CA")
SELLER = DE
CONSUMER = TaxCustomer(DE)
RULES = [
    JurisdictionRules(
        DE,
        {
            "standard": TaxRate.percent(19),
            "reduced": TaxRate.percent(7),
            "zero": TaxRate.zero_rated(),
            "exempt": TaxRate.exempt(),
        },
        reverse_charge=True,
    ),
    JurisdictionRules(
        FR,
        {
            "standard": TaxRate.percent(20),
            "reduced": TaxRate.percent("5.5"),
            "zero": TaxRate.zero_rated(),
            "exempt": TaxRate.exempt(),
        },
        reverse_charge=True,
    ),
    JurisdictionRules(Jurisdiction("US"), {"zero": TaxRate.zero_rated(), "exempt": TaxRate.exempt()}),
    JurisdictionRules(US_CA, {"standard": TaxRate.percent("7.25"), "reduced": TaxRate.percent("8.875")}),
]
CALCULATOR = RuleBasedTaxCalculator(RULES)
PERIOD = ServicePeriod(T0, T0 + datetime.timedelta(days=30))


def line(
    unit: int = 10_000, *, currency: str = "EUR", quantity: int = 1, description: str = "Pro plan", **options
) -> NewLine:
    return NewLine(description=description, quantity=quantity, unit_amount=Money(currency, unit), **options)


def draft(*lines: NewLine, currency: str = "EUR", days_until_due: int = 14) -> Invoice:
    return Invoice.draft(
        name=NAME,
        currency_code=currency,
        lines=lines or (line(currency=currency),),
        created_at=T0,
        days_until_due=days_until_due,
        customer="cus_42",
    )


def finalize(invoice: Invoice, customer: TaxCustomer = CONSUMER, number: str = "INV-000001") -> Invoice:
    taxes = CALCULATOR.compute(invoice.tax_request(seller=SELLER, customer=customer, default_tax_code="standard"))
    return invoice.finalize(number=number, taxes=taxes, at=T1)


def opened(*lines: NewLine) -> Invoice:
    return finalize(draft(*lines))


def in_state(state: str) -> Invoice:
    """An invoice in `state` (by name), made through the legal moves."""
    match state:
        case "DRAFT":
            return draft()
        case "OPEN":
            return opened()
        case "PAID":
            invoice = opened()
            return invoice.apply_payment(invoice.amount_due, payment_intent="pi_1", at=T2)
        case "VOID":
            return opened().void(reason="order canceled", at=T2)
        case "UNCOLLECTIBLE":
            return opened().mark_uncollectible(at=T2)
    raise ValueError(state)
