"""CreateInvoice's own checks, with the field path of what is wrong, before anything is written.

The interceptors' protovalidate rules catch what the contract can state (a quantity below 1, a
malformed tax code); this adds what needs the domain: each line priced as the domain would
price it (currency, range, period), and every tax code one the tax provider knows.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesh.money import is_known_currency
from services.invoicing.domain.billing_errors import InvalidLineItem
from services.invoicing.domain.invoice import NewLine
from services.invoicing.domain.invoice.lines import price_line

__all__ = ["FieldRejected", "check_new_invoice"]


class FieldRejected(Exception):
    """VALIDATION_FAILED on one field: `field` is its path ("line_items[1].tax_code")."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


def check_new_invoice(currency_code: str, lines: Sequence[NewLine], known_tax_codes: frozenset[str]) -> None:
    if not is_known_currency(currency_code):
        raise FieldRejected("currency_code", f"{currency_code!r} is not an ISO 4217 currency with a minor unit")
    for index, line in enumerate(lines):
        _check_line(f"line_items[{index}]", line, currency_code, known_tax_codes)


def _check_line(path: str, line: NewLine, currency_code: str, known_tax_codes: frozenset[str]) -> None:
    if line.unit_amount.currency_code != currency_code:
        raise FieldRejected(
            f"{path}.unit_amount.currency_code",
            f"the line is in {line.unit_amount.currency_code}, the invoice in {currency_code}",
        )
    if line.quantity < 1:
        raise FieldRejected(f"{path}.quantity", "quantity must be at least 1")
    if line.tax_code and line.tax_code not in known_tax_codes:
        raise FieldRejected(f"{path}.tax_code", f"unknown tax code {line.tax_code[:64]!r}")
    try:
        price_line("li_check", line, currency_code)
    except InvalidLineItem as err:
        raise FieldRejected(path, err.message) from None
