"""Invoices and credit notes as stored documents: the domain values to JSON and back, exactly
(amounts as integers, rates as exact fractions, times in ISO 8601 with their offset)."""

from __future__ import annotations

import datetime
import json
from fractions import Fraction
from typing import overload

from mesh.money import Money
from services.invoicing.domain.credit_notes import CreditNote, CreditNoteLine, CreditNoteReason
from services.invoicing.domain.invoice import AppliedPayment, Invoice, InvoiceState, LineItem, ServicePeriod
from services.invoicing.domain.invoice.totals import totals_of
from services.invoicing.domain.tax import TaxTreatment

__all__ = ["credit_note_from_json", "credit_note_to_json", "invoice_from_json", "invoice_to_json"]


def invoice_to_json(invoice: Invoice) -> str:
    return json.dumps(
        {
            "name": invoice.name,
            "currency_code": invoice.currency_code,
            "state": invoice.state.value,
            "number": invoice.number,
            "customer": invoice.customer,
            "order": invoice.order,
            "subscription": invoice.subscription,
            "days_until_due": invoice.days_until_due,
            "created_at": _time(invoice.created_at),
            "updated_at": _time(invoice.updated_at),
            "issued_at": _time(invoice.issued_at),
            "due_at": _time(invoice.due_at),
            "amount_paid": invoice.amount_paid.amount_minor,
            "amount_credited": invoice.amount_credited.amount_minor,
            "amount_voided": invoice.amount_voided.amount_minor,
            "amount_written_off": invoice.amount_written_off.amount_minor,
            "void_reason": invoice.void_reason,
            "payments": [[p.payment_intent, p.amount.amount_minor, _time(p.applied_at)] for p in invoice.payments],
            "lines": [_line_to_dict(line) for line in invoice.lines],
        },
        separators=(",", ":"),
    )


def invoice_from_json(text: str) -> Invoice:
    d = json.loads(text)
    currency = d["currency_code"]
    lines = tuple(_line_from_dict(line, currency) for line in d["lines"])

    def money(minor: int) -> Money:
        return Money(currency, minor)

    # Totals are sums of the lines, recomputed on load rather than stored twice.
    return Invoice(
        name=d["name"],
        currency_code=currency,
        lines=lines,
        totals=totals_of(currency, lines),
        state=InvoiceState(d["state"]),
        number=d["number"],
        customer=d["customer"],
        order=d["order"],
        subscription=d["subscription"],
        days_until_due=d["days_until_due"],
        created_at=_parse(d["created_at"]),
        updated_at=_parse(d["updated_at"]),
        issued_at=_parse(d["issued_at"]),
        due_at=_parse(d["due_at"]),
        amount_paid=money(d["amount_paid"]),
        amount_credited=money(d["amount_credited"]),
        amount_voided=money(d["amount_voided"]),
        amount_written_off=money(d["amount_written_off"]),
        payments=tuple(AppliedPayment(pi, money(minor), _parse(at)) for pi, minor, at in d["payments"]),
        void_reason=d["void_reason"],
    )


def credit_note_to_json(note: CreditNote) -> str:
    return json.dumps(
        {
            "name": note.name,
            "number": note.number,
            "invoice": note.invoice,
            "reason": note.reason.value,
            "memo": note.memo,
            "created_at": _time(note.created_at),
            "currency_code": note.lines[0].amount.currency_code,
            "lines": [
                [line.line_item, line.description, line.amount.amount_minor, line.tax.amount_minor]
                for line in note.lines
            ],
        },
        separators=(",", ":"),
    )


def credit_note_from_json(text: str) -> CreditNote:
    d = json.loads(text)
    currency = d["currency_code"]
    lines = tuple(
        CreditNoteLine(item, description, Money(currency, amount), Money(currency, tax))
        for item, description, amount, tax in d["lines"]
    )
    return CreditNote(
        name=d["name"],
        number=d["number"],
        invoice=d["invoice"],
        lines=lines,
        reason=CreditNoteReason(d["reason"]),
        memo=d["memo"],
        created_at=_parse(d["created_at"]),
    )


def _line_to_dict(line: LineItem) -> dict:
    period = line.period
    return {
        "id": line.id,
        "description": line.description,
        "quantity": line.quantity,
        "unit_minor": line.unit_amount.amount_minor,
        "price_minor": line.price.amount_minor,
        "credit": line.credit,
        "tax_code": line.tax_code,
        "tax_inclusive": line.tax_inclusive,
        "period": None if period is None else [_time(period.start), _time(period.end), _time(period.proration_start)],
        "tax_minor": line.tax.amount_minor,
        "tax_rate": [line.tax_rate.numerator, line.tax_rate.denominator],
        "tax_treatment": line.tax_treatment.value if line.tax_treatment else None,
        "amount_credited": line.amount_credited.amount_minor,
        "tax_credited": line.tax_credited.amount_minor,
    }


def _line_from_dict(d: dict, currency: str) -> LineItem:
    period = None if d["period"] is None else ServicePeriod(*(_parse(moment) for moment in d["period"]))
    return LineItem(
        id=d["id"],
        description=d["description"],
        quantity=d["quantity"],
        unit_amount=Money(currency, d["unit_minor"]),
        price=Money(currency, d["price_minor"]),
        credit=d["credit"],
        tax_code=d["tax_code"],
        tax_inclusive=d["tax_inclusive"],
        period=period,
        tax=Money(currency, d["tax_minor"]),
        tax_rate=Fraction(*d["tax_rate"]),
        tax_treatment=TaxTreatment(d["tax_treatment"]) if d["tax_treatment"] else None,
        amount_credited=Money(currency, d["amount_credited"]),
        tax_credited=Money(currency, d["tax_credited"]),
    )


def _time(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@overload
def _parse(text: str) -> datetime.datetime: ...
@overload
def _parse(text: None) -> None: ...
@overload
def _parse(text: str | None) -> datetime.datetime | None: ...
def _parse(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)
