"""Operation leases: the PSP call a payment intent has in flight, committed before it is sent.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_intents") as table:
        table.add_column(sa.Column("pending_operation", sa.String(16), nullable=False, server_default=""))
        table.add_column(sa.Column("pending_amount_minor", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("pending_detail", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("pending_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_payment_intents_pending_until"), "payment_intents", ["pending_until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_intents_pending_until"), table_name="payment_intents")
    with op.batch_alter_table("payment_intents") as table:
        for column in ("pending_until", "pending_detail", "pending_amount_minor", "pending_operation"):
            table.drop_column(column)
