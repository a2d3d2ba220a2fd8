"""An invoice's totals: integer sums of its (already rounded) lines, never rounded themselves.

subtotal is the charge lines before tax, discounts the credit lines before tax (as a positive
amount), tax the sum of every line's tax (a credit line's counts negative), and
total = subtotal − discounts + tax, exactly. `net` (subtotal − discounts) is what the contract's
Invoice.subtotal holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from mesh.money import Money
from services.invoicing.domain.invoice.lines import LineItem

__all__ = ["InvoiceTotals", "totals_of"]


@dataclasses.dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Money
    discounts: Money
    tax: Money
    total: Money

    @property
    def net(self) -> Money:
        return self.subtotal - self.discounts


def totals_of(currency_code: str, lines: Iterable[LineItem]) -> InvoiceTotals:
    subtotal = discounts = tax = Money.zero(currency_code)
    for line in lines:
        if line.credit:
            discounts -= line.amount
        else:
            subtotal += line.amount
        tax += line.tax
    return InvoiceTotals(subtotal, discounts, tax, subtotal - discounts + tax)
