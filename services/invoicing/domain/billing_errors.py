"""The ways invoices, credit notes and the tax hook refuse: plain exceptions, raised before
anything changes (every domain operation returns a new value and leaves its input alone).

Each class names the contract's reason (commerce.invoicing.v1.ErrorReason without its prefix,
or a shared commerce.type.v1 one) and the status code (a mesh.status_codes.Code name) as plain
strings, with the ErrorInfo metadata the contract asks for; the api layer maps them to
DomainError (services.invoicing.refusals), and tests/unit/test_error_reasons.py holds both
names to the contract. No grpc, no proto here.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BillingError",
    "CreditExceedsInvoice",
    "InvalidCreditNote",
    "InvalidInvoice",
    "InvalidLineItem",
    "InvoiceEmpty",
    "InvoiceStateInvalid",
    "LineItemNotFound",
    "PaymentExceedsAmountDue",
    "TaxCalculationFailed",
    "TaxCodeUnknown",
]


class BillingError(Exception):
    """A refused invoicing operation; `reason`, `code` and `metadata` are what the caller sees."""

    reason: ClassVar[str]
    code: ClassVar[str]

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata


class InvoiceStateInvalid(BillingError):
    """The invoice's state does not allow `action` (finalize twice, pay a void invoice, …)."""

    reason, code = "INVOICE_STATE_INVALID", "FAILED_PRECONDITION"

    def __init__(self, action: str, state: str, why: str = "") -> None:
        super().__init__(f"cannot {action} an invoice that is {state}{why}", state=state, action=action)


class InvoiceEmpty(BillingError):
    """Nothing to issue: no charge left once credit lines (and their tax) are counted."""

    reason, code = "INVOICE_EMPTY", "FAILED_PRECONDITION"


class InvalidInvoice(BillingError):
    """An argument no invoice accepts: an unknown currency, an empty number, a payment that is
    not a positive amount in the invoice's currency, a term outside 0 to 365 days."""

    reason, code = "VALIDATION_FAILED", "INVALID_ARGUMENT"


class InvalidLineItem(InvalidInvoice):
    """A line item the invoice cannot hold (quantity, price, currency, period, count)."""


class PaymentExceedsAmountDue(BillingError):
    reason, code = "PAYMENT_EXCEEDS_AMOUNT_DUE", "FAILED_PRECONDITION"

    def __init__(self, amount_due_minor: int) -> None:
        super().__init__(
            f"the payment is above the amount due ({amount_due_minor} minor units)",
            amount_due_minor=str(amount_due_minor),
        )


class CreditExceedsInvoice(BillingError):
    """A credit above what is still creditable: on the invoice, or on one line (`line_item`)."""

    reason, code = "CREDIT_EXCEEDS_INVOICE", "FAILED_PRECONDITION"

    def __init__(self, remaining_minor: int, line_item: str = "") -> None:
        where = f"line {line_item}" if line_item else "the invoice"
        metadata = {"remaining_minor": str(remaining_minor)} | ({"line_item": line_item} if line_item else {})
        super().__init__(
            f"the credit is above what {where} can still be credited ({remaining_minor} minor units)", **metadata
        )


class LineItemNotFound(BillingError):
    """A credit note names no charge line of the invoice, a credit line, or a time outside it."""

    reason, code = "LINE_ITEM_NOT_FOUND", "INVALID_ARGUMENT"

    def __init__(self, line_item: str, why: str) -> None:
        super().__init__(f"line {line_item[:64]!r} cannot be credited: {why}", line_item=line_item[:64])


class InvalidCreditNote(BillingError):
    """A credit note request that is neither an amount nor a set of lines, or not positive."""

    reason, code = "VALIDATION_FAILED", "INVALID_ARGUMENT"


class TaxCodeUnknown(BillingError):
    """The tax hook has no rate for a line's tax code where the customer is taxed."""

    reason, code = "TAX_CODE_UNKNOWN", "FAILED_PRECONDITION"

    def __init__(self, line_item: str, tax_code: str, jurisdiction: str) -> None:
        super().__init__(
            f"no tax rate for code {tax_code!r} in {jurisdiction}",
            line_item=line_item,
            tax_code=tax_code,
            jurisdiction=jurisdiction,
        )


class TaxCalculationFailed(BillingError):
    """The tax hook failed, did not answer, or answered something that does not fit the invoice."""

    reason, code = "TAX_CALCULATION_FAILED", "UNAVAILABLE"
