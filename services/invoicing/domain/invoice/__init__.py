"""Invoices: line items (lines.py), the state machine (states.py), totals (totals.py), the
invoice itself (invoice.py) and its record (record.py). Pure: no I/O, no clock, no proto; times
are passed in."""

from services.invoicing.domain.invoice.invoice import MAX_LINES, AppliedPayment, Invoice, LineCredit
from services.invoicing.domain.invoice.lines import LineItem, NewLine, ServicePeriod
from services.invoicing.domain.invoice.record import InvoiceFilter, InvoiceRecord
from services.invoicing.domain.invoice.states import Action, InvoiceState
from services.invoicing.domain.invoice.totals import InvoiceTotals

__all__ = [
    "MAX_LINES",
    "Action",
    "AppliedPayment",
    "Invoice",
    "InvoiceFilter",
    "InvoiceRecord",
    "InvoiceState",
    "InvoiceTotals",
    "LineCredit",
    "LineItem",
    "NewLine",
    "ServicePeriod",
]
