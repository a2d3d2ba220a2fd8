"""Invoices, credit notes, per-tenant number counters, payment links, PSP items, reconciliation
reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _invoices()
    _credit_notes()
    _counters()
    _invoice_payments()
    _psp_items()
    _reconciliation_reports()


def downgrade() -> None:
    for table in (
        "reconciliation_reports",
        "psp_items",
        "invoice_payments",
        "document_counters",
        "credit_notes",
        "invoices",
    ):
        op.drop_table(table)


def _invoices() -> None:
    op.create_table(
        "invoices",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("subscription", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("customer_tax", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_invoices")),
    )
    op.create_index("ix_invoices_listing", "invoices", ["tenant", "created_at", "id"])
    # Gap-free and unique: a second invoice with the same number cannot commit.
    op.create_index(
        "uq_invoices_number",
        "invoices",
        ["tenant", "number"],
        unique=True,
        postgresql_where=sa.text("number <> ''"),
        sqlite_where=sa.text("number <> ''"),
    )


def _credit_notes() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("tenant", "number", name=op.f("uq_credit_notes_tenant_number")),
    )
    op.create_index("ix_credit_notes_invoice", "credit_notes", ["tenant", "invoice_id", "created_at"])


def _counters() -> None:
    op.create_table(
        "document_counters",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "series", name=op.f("pk_document_counters")),
    )


def _invoice_payments() -> None:
    op.create_table(
        "invoice_payments",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("payment_intent", sa.String(256), nullable=False),
        sa.Column("invoice_id", sa.String(64), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "payment_intent", name=op.f("pk_invoice_payments")),
    )


def _psp_items() -> None:
    op.create_table(
        "psp_items",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("psp", sa.String(64), nullable=False),
        sa.Column("psp_reference", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journal_entry", sa.String(256), nullable=False),
        sa.Column("settled_on", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "psp", "psp_reference", name=op.f("pk_psp_items")),
    )
    op.create_index("ix_psp_items_booked", "psp_items", ["tenant", "psp", "booked_at"])


def _reconciliation_reports() -> None:
    op.create_table(
        "reconciliation_reports",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("psp", sa.String(64), nullable=False),
        sa.Column("content_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_reconciliation_reports")),
        sa.UniqueConstraint("tenant", "psp", "content_sha256", name=op.f("uq_reconciliation_reports_content")),
    )
    op.create_index("ix_reconciliation_reports_listing", "reconciliation_reports", ["tenant", "created_at", "id"])
    # Reports are immutable: refuse UPDATE like the ledger refuses rewrites.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER reconciliation_reports_immutable BEFORE UPDATE ON reconciliation_reports "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_rewrite()"
        )
    else:
        op.execute(
            "CREATE TRIGGER reconciliation_reports_no_update BEFORE UPDATE ON reconciliation_reports "
            "BEGIN SELECT RAISE(ABORT, 'reconciliation reports are immutable'); END"
        )
