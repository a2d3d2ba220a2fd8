"""An invoice as the use cases keep and hand it out, and the filter invoices are listed by."""

from __future__ import annotations

import dataclasses

from services.invoicing.domain.invoice.invoice import Invoice
from services.invoicing.domain.invoice.states import InvoiceState
from services.invoicing.domain.tax import CustomerTaxDetails

__all__ = ["InvoiceFilter", "InvoiceRecord"]


@dataclasses.dataclass(frozen=True)
class InvoiceRecord:
    """The invoice, with the customer's tax details it was created with (they never change)."""

    invoice: Invoice
    customer_tax: CustomerTaxDetails


@dataclasses.dataclass(frozen=True)
class InvoiceFilter:
    """Invoices that match every field set; None and "" match any."""

    state: InvoiceState | None = None
    customer: str = ""
    subscription: str = ""
