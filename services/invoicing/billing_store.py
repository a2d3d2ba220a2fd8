"""Persistence of invoices, credit notes, their number counters and payment links.

Invoices and credit notes are stored as documents (documents.py) beside the columns their
listings filter on. Numbers come from one counter row per (tenant, series), locked for the
rest of the caller's transaction (FOR UPDATE on PostgreSQL; SQLite's write lock, taken at
BEGIN IMMEDIATE, serializes every writer anyway): the number and the state that uses it
commit together or not at all, so numbers are gap-free, and the unique index on
(tenant, number) makes a duplicate impossible even if that reasoning were wrong.
Lock order everywhere: invoice row, counter, ledger head (store.append), so two writers never
wait on each other in opposite orders.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.invoicing.v1 import invoice_pb2
from mesh.money import Money
from mesh.pagination import Keyset, Page, PageRequest
from mesh.persistence import UtcDateTime, insert_for
from services.invoicing import messages
from services.invoicing.documents import (
    credit_note_from_json,
    credit_note_to_json,
    invoice_from_json,
    invoice_to_json,
)
from services.invoicing.domain.credit_notes import CreditNote
from services.invoicing.domain.invoice import Invoice, InvoiceFilter, InvoiceRecord
from services.invoicing.store import invoicing_metadata

INVOICE_SERIES, CREDIT_NOTE_SERIES = "invoice", "credit_note"
_PREFIX = {INVOICE_SERIES: "INV", CREDIT_NOTE_SERIES: "CN"}

invoices = sa.Table(
    "invoices",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("customer", sa.String(128), nullable=False),
    sa.Column("subscription", sa.String(256), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("customer_tax", sa.LargeBinary, nullable=False),  # a CustomerTaxDetails, fixed at creation
    sa.Index("ix_invoices_listing", "tenant", "created_at", "id"),
    sa.Index(
        "uq_invoices_number",
        "tenant",
        "number",
        unique=True,
        postgresql_where=sa.text("number <> ''"),
        sqlite_where=sa.text("number <> ''"),
    ),
)

credit_notes = sa.Table(
    "credit_notes",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("invoice_id", sa.String(64), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.UniqueConstraint("tenant", "number"),
    sa.Index("ix_credit_notes_invoice", "tenant", "invoice_id", "created_at"),
)

document_counters = sa.Table(
    "document_counters",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("series", sa.String(16), primary_key=True),
    sa.Column("last", sa.BigInteger, nullable=False),
)

invoice_payments = sa.Table(
    "invoice_payments",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("payment_intent", sa.String(256), primary_key=True),
    sa.Column("invoice_id", sa.String(64), nullable=False),  # "" until PayInvoice links it
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("captured_minor", sa.BigInteger, nullable=False),
    sa.Column("applied_minor", sa.BigInteger, nullable=False),
)


# What a PayInvoice collecting with a card planned to charge, recorded before it asks payments:
# a retry that resumes it charges exactly that again (payments replays it), whatever the invoice
# owes by then.
invoice_collections = sa.Table(
    "invoice_collections",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("request_id", sa.String(64), primary_key=True),  # PayInvoice's
    sa.Column("invoice_id", sa.String(64), nullable=False),
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)


@dataclasses.dataclass(frozen=True)
class PaymentLink:
    """What invoicing knows of one payment intent: the invoice it pays and its captured money."""

    payment_intent: str
    invoice_id: str
    currency_code: str
    captured_minor: int
    applied_minor: int

    @property
    def unapplied_minor(self) -> int:
        return self.captured_minor - self.applied_minor


def invoice_id_of(name: str) -> str:
    return name.split("/")[3]


# Invoices.


async def insert_invoice(conn: AsyncConnection, tenant: str, record: InvoiceRecord) -> None:
    invoice = record.invoice
    await conn.execute(
        sa.insert(invoices).values(
            tenant=tenant,
            id=invoice_id_of(invoice.name),
            created_at=invoice.created_at,
            customer_tax=messages.customer_tax_message(record.customer_tax).SerializeToString(),
            **_columns(invoice),
        )
    )


async def save_invoice(conn: AsyncConnection, tenant: str, invoice: Invoice) -> None:
    await conn.execute(
        sa.update(invoices)
        .where(invoices.c.tenant == tenant, invoices.c.id == invoice_id_of(invoice.name))
        .values(**_columns(invoice))
    )


async def load_invoice(
    conn: AsyncConnection, tenant: str, invoice_id: str, *, lock: bool = False
) -> InvoiceRecord | None:
    query = sa.select(invoices.c.document, invoices.c.customer_tax).where(
        invoices.c.tenant == tenant, invoices.c.id == invoice_id
    )
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    return None if row is None else _record(row)


# Newest first; the id breaks ties of one clock tick, so the key is unique.
INVOICE_LISTING = Keyset(invoices.c.created_at, invoices.c.id, descending=True)


async def list_invoices(
    conn: AsyncConnection, tenant: str, where: InvoiceFilter, page: PageRequest
) -> Page[InvoiceRecord]:
    """The tenant's invoices matching `where`, after the page's key, newest first."""
    c = invoices.c
    query = sa.select(c.document, c.customer_tax, c.created_at, c.id).where(
        c.tenant == tenant, INVOICE_LISTING.after(page)
    )
    if where.state is not None:
        query = query.where(c.state == where.state.value)
    if where.customer:
        query = query.where(c.customer == where.customer)
    if where.subscription:
        query = query.where(c.subscription == where.subscription)
    rows = (await conn.execute(query.order_by(*INVOICE_LISTING.order_by()).limit(page.limit))).all()
    return page.take(rows, key=INVOICE_LISTING.key_of).map(_record)


def _record(row) -> InvoiceRecord:
    customer_tax = messages.customer_tax_details(invoice_pb2.CustomerTaxDetails.FromString(row.customer_tax))
    return InvoiceRecord(invoice_from_json(row.document), customer_tax)


def _columns(invoice: Invoice) -> dict:
    return dict(
        state=invoice.state.value,
        number=invoice.number,
        customer=invoice.customer,
        subscription=invoice.subscription,
        document=invoice_to_json(invoice),
    )


# Numbers.


async def next_number(conn: AsyncConnection, tenant: str, series: str) -> str:
    """The series' next number, e.g. "INV-000042"; the counter row stays locked until commit."""
    await conn.execute(
        insert_for(conn.dialect.name, document_counters)
        .values(tenant=tenant, series=series, last=0)
        .on_conflict_do_nothing()
    )
    c = document_counters.c
    last = (
        await conn.execute(sa.select(c.last).where(c.tenant == tenant, c.series == series).with_for_update())
    ).scalar_one()
    await conn.execute(sa.update(document_counters).where(c.tenant == tenant, c.series == series).values(last=last + 1))
    return f"{_PREFIX[series]}-{last + 1:06d}"


# Credit notes.


async def insert_credit_note(conn: AsyncConnection, tenant: str, note: CreditNote) -> None:
    await conn.execute(
        sa.insert(credit_notes).values(
            tenant=tenant,
            id=note.name.split("/")[5],
            invoice_id=invoice_id_of(note.invoice),
            number=note.number,
            created_at=note.created_at,
            document=credit_note_to_json(note),
        )
    )


async def load_credit_note(conn: AsyncConnection, tenant: str, note_id: str) -> CreditNote | None:
    row = (
        await conn.execute(
            sa.select(credit_notes.c.document).where(credit_notes.c.tenant == tenant, credit_notes.c.id == note_id)
        )
    ).first()
    return None if row is None else credit_note_from_json(row.document)


# Oldest first; numbers are unique per tenant, so (created_at, number) is a key.
CREDIT_NOTE_LISTING = Keyset(credit_notes.c.created_at, credit_notes.c.number)


async def list_credit_notes(conn: AsyncConnection, tenant: str, invoice_id: str, page: PageRequest) -> Page[CreditNote]:
    """The invoice's credit notes after the page's key, oldest first."""
    c = credit_notes.c
    query = sa.select(c.document, c.created_at, c.number).where(
        c.tenant == tenant, c.invoice_id == invoice_id, CREDIT_NOTE_LISTING.after(page)
    )
    rows = (await conn.execute(query.order_by(*CREDIT_NOTE_LISTING.order_by()).limit(page.limit))).all()
    return page.take(rows, key=CREDIT_NOTE_LISTING.key_of).map(lambda row: credit_note_from_json(row.document))


# Payment links.


async def payment_link(
    conn: AsyncConnection, tenant: str, payment_intent: str, *, lock: bool = True
) -> PaymentLink | None:
    c = invoice_payments.c
    query = sa.select(invoice_payments).where(c.tenant == tenant, c.payment_intent == payment_intent)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    return (
        None
        if row is None
        else PaymentLink(row.payment_intent, row.invoice_id, row.currency_code, row.captured_minor, row.applied_minor)
    )


async def save_payment_link(conn: AsyncConnection, tenant: str, link: PaymentLink) -> None:
    values = dict(
        invoice_id=link.invoice_id,
        currency_code=link.currency_code,
        captured_minor=link.captured_minor,
        applied_minor=link.applied_minor,
    )
    insert = insert_for(conn.dialect.name, invoice_payments).values(
        tenant=tenant, payment_intent=link.payment_intent, **values
    )
    await conn.execute(insert.on_conflict_do_update(index_elements=["tenant", "payment_intent"], set_=values))


async def save_planned_collection(
    conn: AsyncConnection, tenant: str, request_id: str, invoice_id: str, amount: Money
) -> None:
    await conn.execute(
        sa.insert(invoice_collections).values(
            tenant=tenant,
            request_id=request_id,
            invoice_id=invoice_id,
            currency_code=amount.currency_code,
            amount_minor=amount.amount_minor,
        )
    )


async def planned_collection(conn: AsyncConnection, tenant: str, request_id: str, invoice_id: str) -> Money | None:
    """What the PayInvoice `request_id` planned to charge for the invoice, if it got that far."""
    c = invoice_collections.c
    row = (
        await conn.execute(
            sa.select(c.currency_code, c.amount_minor).where(
                c.tenant == tenant, c.request_id == request_id, c.invoice_id == invoice_id
            )
        )
    ).first()
    return None if row is None else Money(row.currency_code, row.amount_minor)
