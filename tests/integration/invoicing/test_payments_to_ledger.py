"""From the payments service to invoicing's ledger through the event path, on both stacks:
SQLite + MemoryBus + in-memory idempotency, and PostgreSQL + the Pub/Sub emulator + Redis.

Real gRPC calls move real intents through the sandbox PSPs; the payments outbox relay publishes
their events; invoicing's consumer books them. The ledger must then hold exactly one balanced,
chained entry per money event, agree with the payments service to the cent, and stay unchanged
when every event is delivered again. An invoice paid and partly refunded through payments must
agree with its credit notes, the ledger, and the settlement report the sandbox PSP exports,
reconciled through ReconciliationService.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import uuid

import grpc
import pytest

from commerce.invoicing.v1 import invoice_pb2
from commerce.invoicing.v1 import invoice_service_pb2 as ins
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.events.replay import replay_outbox
from tests.integration.invoicing.payments_stack import APPROVED, STOLEN, Stack, eur
from tests.integration.payments.service.test_no_card_numbers import card_numbers_in


async def test_payments_reach_the_ledger_balanced_and_exactly_once(stack: Stack) -> None:
    # One intent authorized for 100.00, captured in two parts, partly refunded; one voided; one declined.
    paid = await stack.intent(APPROVED, 10000)
    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=paid)
    await stack.call(
        "CapturePaymentIntent",
        ps.CapturePaymentIntentRequest,
        name=paid,
        amount={"currency_code": "EUR", "amount_minor": 6000},
    )
    await stack.call(
        "CapturePaymentIntent",
        ps.CapturePaymentIntentRequest,
        name=paid,
        amount={"currency_code": "EUR", "amount_minor": 4000},
    )
    await stack.call(
        "RefundPayment", ps.RefundPaymentRequest, parent=paid, amount={"currency_code": "EUR", "amount_minor": 2550}
    )
    voided = await stack.intent(APPROVED, 5000)
    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=voided)
    await stack.call("CancelPaymentIntent", ps.CancelPaymentIntentRequest, name=voided)
    declined = await stack.intent(STOLEN, 700)
    with pytest.raises(grpc.aio.AioRpcError):
        await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=declined)

    # paid: authorized, captured ×2, refunded; voided: authorized, canceled; declined: nothing to book.
    entries = await stack.wait_for_entries(6)
    intent = await stack.payments.GetPaymentIntent(ps.GetPaymentIntentRequest(name=paid), metadata=stack.md())
    psp, fees = intent.payment_intent.psp, intent.payment_intent.fee.amount_minor
    assert fees > 0

    assert [e.sequence for e in entries] == list(range(1, 7))
    # Each intent's events arrive in its own order (ordering key); the two intents may interleave.
    assert booked_by_intent(entries) == {
        paid: ["PaymentAuthorized", "PaymentCaptured", "PaymentCaptured", "PaymentRefunded"],
        voided: ["PaymentAuthorized", "PaymentCanceled"],
    }
    # The ledger agrees with the payments service to the cent.
    assert await stack.balance(f"cash-at-psp-{psp}") == (10000 - fees - 2550, 10000 - fees, 2550)
    assert await stack.balance(f"psp-fees-{psp}") == (fees, fees, 0)
    assert await stack.balance("accounts-receivable") == (-(10000 - 2550), 2550, 10000)
    assert await stack.balance(f"authorization-holds-{psp}") == (0, 15000, 15000)
    assert await stack.balance("authorization-holds-offset") == (0, 15000, 15000)
    verified = await stack.ledger.VerifyLedger(
        ls.VerifyLedgerRequest(parent=f"tenants/{stack.tenant}"), metadata=stack.md()
    )
    assert (verified.ok, verified.entries_checked, verified.head_hash) == (True, 6, entries[-1].hash)

    # Every event again (a relay replay after an outage): the ledger books nothing new.
    # Besides the six booked, payments published PaymentFailed and a PaymentIntentStateChanged per
    # transition: invoicing acks those without booking anything.
    published = await stack.published_events()
    assert len(published) == 6 + 1 + 13 and published.count("PaymentIntentStateChanged") == 13
    await stack.wait_for_handled(len(published))
    delivered = len(stack.handled)
    assert await replay_outbox(stack.payments_runtime.database, from_position=0) == len(published)
    await stack.wait_for_handled(delivered + len(published))
    assert await stack.entries() == entries
    assert await stack.balance(f"cash-at-psp-{psp}") == (10000 - fees - 2550, 10000 - fees, 2550)

    # Nothing the ledger keeps holds a card number.
    rows = await stack.invoicing_rows()
    assert len(rows) > 6 * 3 and card_numbers_in("\n".join(rows)) == set()


def booked_by_intent(entries: list) -> dict[str, list[str]]:
    booked: dict[str, list[str]] = {}
    for entry in entries:
        intent = entry.source_resource.split("/refunds/")[0]
        booked.setdefault(intent, []).append(entry.source_event_type.rsplit(".", 1)[1])
    return booked


@dataclasses.dataclass(frozen=True)
class PaidInvoice:
    """An invoice of 119.00 paid through payments in two captures, then refunded 30.00 and 10.00."""

    invoice: invoice_pb2.Invoice
    intent: str
    psp: str
    day: datetime.date
    period: tuple[datetime.datetime, datetime.datetime]


CAPTURES, REFUNDS = (6000, 5900), (3000, 1000)


async def pay_and_refund_an_invoice(stack: Stack) -> PaidInvoice:
    started = datetime.datetime.now(datetime.UTC)
    invoice = await stack.open_invoice(10000)
    assert invoice.total.amount_minor == sum(CAPTURES) == 11900  # 19 % VAT
    intent = await stack.intent(APPROVED, 11900)
    await stack.invoices.PayInvoice(
        ins.PayInvoiceRequest(name=invoice.name, request_id=str(uuid.uuid4()), payment_intent=intent),
        metadata=stack.md(),
    )
    await stack.call("AuthorizePaymentIntent", ps.AuthorizePaymentIntentRequest, name=intent)
    for amount in CAPTURES:
        await stack.call("CapturePaymentIntent", ps.CapturePaymentIntentRequest, name=intent, amount=eur(amount))
    for amount in REFUNDS:
        await stack.call("RefundPayment", ps.RefundPaymentRequest, parent=intent, amount=eur(amount))
    # issued, authorized, captured ×2, refunded ×2, and a credit note per refund
    await stack.wait_for_entries(8)
    psp = (await stack.payment_intent(intent)).psp
    now = datetime.datetime.now(datetime.UTC)
    return PaidInvoice(
        invoice, intent, psp, started.date(), (started - datetime.timedelta(hours=1), now + datetime.timedelta(hours=2))
    )


async def settlement_export(stack: Stack, paid: PaidInvoice) -> list[list[str]]:
    """The rows of the settlement report of the very sandbox connector payments routed to."""
    text = await stack.psps[paid.psp].settlement_report(paid.day)
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def findings(report: rr.ReconciliationReport) -> set[tuple[str, str]]:
    return {(rr.MismatchKind.Name(m.kind).removeprefix("MISMATCH_KIND_"), m.psp_reference) for m in report.mismatches}


async def test_an_invoice_paid_through_payments_and_partly_refunded_agrees_with_the_ledger(stack: Stack) -> None:
    paid = await pay_and_refund_an_invoice(stack)

    entries = await stack.entries()
    invoice = await stack.invoice(paid.invoice.name)
    notes = (
        await stack.invoices.ListCreditNotes(ins.ListCreditNotesRequest(parent=invoice.name), metadata=stack.md())
    ).credit_notes
    assert invoice.state == invoice_pb2.INVOICE_STATE_PAID
    assert (invoice.amount_paid.amount_minor, invoice.amount_credited.amount_minor) == (11900, 4000)
    assert [note.total.amount_minor for note in notes] == list(REFUNDS)
    assert all(note.subtotal.amount_minor + note.tax.amount_minor == note.total.amount_minor for note in notes)
    assert (await stack.balance("accounts-receivable"))[0] == 0
    assert (await stack.balance("tax-payable"))[0] == 1900 - sum(note.tax.amount_minor for note in notes)

    # Every payment event again: nothing changes.
    published = await stack.published_events()
    await stack.wait_for_handled(len(published))
    delivered = len(stack.handled)
    await replay_outbox(stack.payments_runtime.database, from_position=0)
    await stack.wait_for_handled(delivered + len(published))
    assert await stack.entries() == entries
    assert await stack.invoice(invoice.name) == invoice


async def test_the_psp_settlement_of_the_paid_invoice_reconciles_to_the_cent(stack: Stack) -> None:
    paid = await pay_and_refund_an_invoice(stack)
    rows = await settlement_export(stack, paid)

    report = await stack.reconcile(paid.psp, paid.day, csv_bytes(rows), paid.period)

    assert [row[1] for row in rows[1:]] == ["capture"] * 2 + ["refund"] * 2
    assert (report.line_count, report.matched_count, report.mismatched_count, report.timing_count) == (4, 4, 0, 0)
    assert list(report.mismatches) == []
    (total,) = report.totals
    cash, _, _ = await stack.balance(f"cash-at-psp-{paid.psp}")
    fees, _, _ = await stack.balance(f"psp-fees-{paid.psp}")
    assert total.settlement_gross == total.ledger_gross
    assert total.settlement_fees == total.ledger_fees
    assert total.settlement_net == total.ledger_net
    # ... and both agree with the ledger's accounts: what payments moved, the PSP's fees, the cash.
    assert total.ledger_gross.amount_minor == sum(CAPTURES) - sum(REFUNDS)
    assert (total.ledger_fees.amount_minor, total.ledger_net.amount_minor) == (fees, cash)
    assert (total.ledger_gross.currency_code, total.ledger_fees.currency_code) == ("EUR", "EUR")


async def test_injected_settlement_discrepancies_are_named_and_nothing_else(stack: Stack) -> None:
    paid = await pay_and_refund_an_invoice(stack)
    header, first_capture, second_capture, first_refund, second_refund = await settlement_export(stack, paid)

    changed_amount = with_amounts(first_capture, gross=+1)
    changed_fee = with_amounts(second_capture, fee=+1)
    unknown = [f"{paid.psp.replace('-', '_')}_cap_unknown0000000000", *first_capture[1:]]
    # The second refund is dropped.
    report = await stack.reconcile(
        paid.psp,
        paid.day,
        csv_bytes([header, changed_amount, changed_fee, first_refund, first_refund, unknown]),
        paid.period,
    )

    assert findings(report) == {
        ("AMOUNT_MISMATCH", first_capture[0]),
        ("FEE_MISMATCH", second_capture[0]),
        ("DUPLICATE", first_refund[0]),
        ("MISSING_IN_SETTLEMENT", second_refund[0]),
        ("MISSING_IN_LEDGER", unknown[0]),
    }
    assert (report.line_count, report.matched_count, report.mismatched_count) == (5, 1, 5)


def with_amounts(row: list[str], *, gross: int = 0, fee: int = 0) -> list[str]:
    """The settlement row with its gross and fee moved, its net kept consistent (net = gross − fee)."""
    reference, kind, currency, gross_minor, fee_minor, _, settled_at = row
    new_gross, new_fee = int(gross_minor) + gross, int(fee_minor) + fee
    return [reference, kind, currency, str(new_gross), str(new_fee), str(new_gross - new_fee), settled_at]
