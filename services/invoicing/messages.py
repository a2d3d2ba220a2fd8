"""Invoices and credit notes between the domain and the contract: requests to domain values,
domain values to Invoice / CreditNote messages and to the events invoicing publishes."""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import cast

from google.protobuf import timestamp_pb2

from commerce.invoicing.v1 import credit_note_pb2, events_pb2, invoice_pb2
from commerce.invoicing.v1 import invoice_service_pb2 as ins
from mesh.money import Money
from services.invoicing.domain.credit_notes import CreditNote, CreditNoteReason
from services.invoicing.domain.invoice import Invoice, InvoiceState, LineItem, NewLine, ServicePeriod
from services.invoicing.domain.tax import CustomerTaxDetails, TaxTreatment

# cast: protoc's .pyi types an enum's Value() as a plain int, not as the enum it looks up.
_STATES = {
    state: cast(invoice_pb2.InvoiceState, invoice_pb2.InvoiceState.Value(f"INVOICE_STATE_{state.value}"))
    for state in InvoiceState
}
_TREATMENTS = {
    treatment: cast(invoice_pb2.TaxTreatment, invoice_pb2.TaxTreatment.Value(f"TAX_TREATMENT_{treatment.name}"))
    for treatment in TaxTreatment
}
_REASONS = {
    reason: cast(
        credit_note_pb2.CreditNoteReason, credit_note_pb2.CreditNoteReason.Value(f"CREDIT_NOTE_REASON_{reason.value}")
    )
    for reason in CreditNoteReason
}


# Requests to the domain.


def new_line(item: ins.CreateInvoiceRequest.LineItem) -> NewLine:
    period = None
    if item.HasField("period_start_time"):
        period = ServicePeriod(
            _time(item.period_start_time),
            _time(item.period_end_time),
            _time(item.proration_start_time) if item.HasField("proration_start_time") else None,
        )
    return NewLine(
        description=item.description,
        quantity=item.quantity,
        unit_amount=Money.from_proto(item.unit_amount),
        credit=item.credit,
        tax_code=item.tax_code,
        tax_inclusive=item.tax_inclusive,
        period=period,
    )


def customer_tax_details(details: invoice_pb2.CustomerTaxDetails) -> CustomerTaxDetails:
    return CustomerTaxDetails(details.country, details.region, details.tax_id, details.business)


def credit_note_reason(value: int) -> CreditNoteReason:
    return next(reason for reason, number in _REASONS.items() if number == value)


# Domain to messages.


def customer_tax_message(details: CustomerTaxDetails) -> invoice_pb2.CustomerTaxDetails:
    return invoice_pb2.CustomerTaxDetails(
        country=details.country, region=details.region, tax_id=details.tax_id, business=details.business
    )


def invoice_message(invoice: Invoice, customer_tax: CustomerTaxDetails | None = None) -> invoice_pb2.Invoice:
    totals = invoice.totals
    message = invoice_pb2.Invoice(
        name=invoice.name,
        number=invoice.number,
        state=_STATES[invoice.state],
        customer=invoice.customer,
        currency_code=invoice.currency_code,
        line_items=[_line_message(line) for line in invoice.lines],
        subtotal=totals.subtotal.to_proto(),
        discounts=totals.discounts.to_proto(),
        tax=totals.tax.to_proto(),
        total=totals.total.to_proto(),
        amount_paid=invoice.amount_paid.to_proto(),
        amount_credited=invoice.amount_credited.to_proto(),
        amount_due=invoice.amount_due.to_proto(),
        amount_voided=invoice.amount_voided.to_proto(),
        customer_credit=invoice.customer_credit.to_proto(),
        amount_written_off=invoice.amount_written_off.to_proto(),
        order=invoice.order,
        subscription=invoice.subscription,
        payment_intents=_distinct(p.payment_intent for p in invoice.payments),
        days_until_due=invoice.days_until_due,
        create_time=_stamp(invoice.created_at),
        update_time=_stamp(invoice.updated_at),
    )
    if customer_tax is not None:
        message.customer_tax.CopyFrom(customer_tax_message(customer_tax))
    if invoice.issued_at is not None:
        message.issue_time.CopyFrom(_stamp(invoice.issued_at))
        message.due_time.CopyFrom(_stamp(_due(invoice)))
    return message


def credit_note_message(note: CreditNote) -> credit_note_pb2.CreditNote:
    return credit_note_pb2.CreditNote(
        name=note.name,
        number=note.number,
        reason=_REASONS[note.reason],
        memo=note.memo,
        lines=[
            credit_note_pb2.CreditNoteLine(
                line_item=line.line_item,
                description=line.description,
                amount=line.amount.to_proto(),
                tax_amount=line.tax.to_proto(),
            )
            for line in note.lines
        ],
        subtotal=note.subtotal.to_proto(),
        tax=note.tax.to_proto(),
        total=note.total.to_proto(),
        create_time=_stamp(note.created_at),
    )


# Events.


def invoice_issued(invoice: Invoice) -> events_pb2.InvoiceIssued:
    totals = invoice.totals
    return events_pb2.InvoiceIssued(
        invoice=invoice.name,
        number=invoice.number,
        customer=invoice.customer,
        order=invoice.order,
        subscription=invoice.subscription,
        subtotal=totals.subtotal.to_proto(),
        discounts=totals.discounts.to_proto(),
        tax=totals.tax.to_proto(),
        total=totals.total.to_proto(),
        amount_due=invoice.amount_due.to_proto(),
        due_time=_stamp(_due(invoice)),
    )


def invoice_paid(invoice: Invoice, payment_intent: str) -> events_pb2.InvoicePaid:
    return events_pb2.InvoicePaid(
        invoice=invoice.name,
        number=invoice.number,
        customer=invoice.customer,
        order=invoice.order,
        subscription=invoice.subscription,
        amount_paid=invoice.amount_paid.to_proto(),
        amount_credited=invoice.amount_credited.to_proto(),
        payment_intent=payment_intent,
    )


def invoice_payment_failed(
    invoice: Invoice, *, payment_intent: str, amount: Money, decline_code: str, hard_decline: bool
) -> events_pb2.InvoicePaymentFailed:
    return events_pb2.InvoicePaymentFailed(
        invoice=invoice.name,
        number=invoice.number,
        customer=invoice.customer,
        subscription=invoice.subscription,
        payment_intent=payment_intent,
        amount=amount.to_proto(),
        amount_due=invoice.amount_due.to_proto(),
        decline_code=decline_code,
        hard_decline=hard_decline,
    )


def invoice_voided(invoice: Invoice) -> events_pb2.InvoiceVoided:
    return events_pb2.InvoiceVoided(
        invoice=invoice.name,
        number=invoice.number,
        customer=invoice.customer,
        order=invoice.order,
        subscription=invoice.subscription,
        amount_voided=invoice.amount_voided.to_proto(),
        reason=invoice.void_reason,
    )


def invoice_marked_uncollectible(invoice: Invoice) -> events_pb2.InvoiceMarkedUncollectible:
    return events_pb2.InvoiceMarkedUncollectible(
        invoice=invoice.name,
        number=invoice.number,
        customer=invoice.customer,
        order=invoice.order,
        subscription=invoice.subscription,
        amount_written_off=invoice.amount_written_off.to_proto(),
    )


def credit_note_issued(note: CreditNote, invoice: Invoice) -> events_pb2.CreditNoteIssued:
    return events_pb2.CreditNoteIssued(
        credit_note=note.name,
        invoice=invoice.name,
        customer=invoice.customer,
        number=note.number,
        total=note.total.to_proto(),
        tax=note.tax.to_proto(),
        reason=_REASONS[note.reason],
        invoice_amount_credited=invoice.amount_credited.to_proto(),
        invoice_amount_due=invoice.amount_due.to_proto(),
    )


def _line_message(line: LineItem) -> invoice_pb2.InvoiceLineItem:
    message = invoice_pb2.InvoiceLineItem(
        id=line.id,
        description=line.description,
        quantity=line.quantity,
        unit_amount=line.unit_amount.to_proto(),
        credit=line.credit,
        tax_code=line.tax_code,
        tax_inclusive=line.tax_inclusive,
        amount=line.amount.to_proto(),
        tax_amount=line.tax.to_proto(),
        amount_credited=line.amount_credited.to_proto(),
        tax_credited=line.tax_credited.to_proto(),
        tax_rate=_decimal(line.tax_rate) if line.tax_treatment else "",
        tax_treatment=_TREATMENTS[line.tax_treatment] if line.tax_treatment else invoice_pb2.TAX_TREATMENT_UNSPECIFIED,
    )
    if line.period is not None:
        message.period_start_time.CopyFrom(_stamp(line.period.start))
        message.period_end_time.CopyFrom(_stamp(line.period.end))
        if line.period.proration_start is not None:
            message.proration_start_time.CopyFrom(_stamp(line.period.proration_start))
    return message


def _decimal(rate: Fraction) -> str:
    """An exact decimal ("0.19", "0.08875"); rates with no finite decimal keep their fraction."""
    denominator, twos, fives = rate.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        return f"{rate.numerator}/{rate.denominator}"
    digits = max(twos, fives)
    scaled = rate.numerator * 10**digits // rate.denominator
    whole, fraction = divmod(scaled, 10**digits)
    return f"{whole}.{fraction:0{digits}d}" if digits else str(whole)


def _distinct(items) -> list[str]:
    return list(dict.fromkeys(items))


def _stamp(moment: datetime.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _due(invoice: Invoice) -> datetime.datetime:
    """An issued invoice's due time (issuing sets it, with issued_at)."""
    if invoice.due_at is None:
        raise ValueError(f"invoice {invoice.name} has no due time: it was not issued")
    return invoice.due_at


def _time(stamp: timestamp_pb2.Timestamp) -> datetime.datetime:
    return stamp.ToDatetime(tzinfo=datetime.UTC)
