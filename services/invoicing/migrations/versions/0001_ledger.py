"""The append-only double-entry ledger: journal entries, their postings, each tenant's chain head.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("journal_entries", "ledger_postings")


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("source_resource", sa.String(512), nullable=False),
        sa.Column("source_event_id", sa.String(128), nullable=False),
        sa.Column("source_event_type", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "sequence", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("tenant", "id", name=op.f("uq_journal_entries_tenant_id")),
    )
    op.create_index("ix_journal_entries_source_resource", "journal_entries", ["tenant", "source_resource"])
    op.create_index("ix_journal_entries_source_event_id", "journal_entries", ["tenant", "source_event_id"])
    op.create_table(
        "ledger_postings",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("entry_sequence", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "entry_sequence", "position", name=op.f("pk_ledger_postings")),
    )
    op.create_index("ix_ledger_postings_account", "ledger_postings", ["tenant", "account", "currency_code"])
    op.create_table(
        "ledger_heads",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_ledger_heads")),
    )
    _refuse_rewrites()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_refuse_rewrite() CASCADE")
    op.drop_table("ledger_heads")
    op.drop_index("ix_ledger_postings_account", "ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_journal_entries_source_event_id", "journal_entries")
    op.drop_index("ix_journal_entries_source_resource", "journal_entries")
    op.drop_table("journal_entries")


def _refuse_rewrites() -> None:
    """UPDATE and DELETE (and TRUNCATE on PostgreSQL) of booked entries fail in the database."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION ledger_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_rewrite()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_rewrite()"
            )
        return
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {operation} on {table} refused'); END"
            )
