"""Widen the columns that were narrower than what the contract admits into them.

refunds.reason keeps a RefundReason's name (REFUND_REASON_REQUESTED_BY_CUSTOMER is 35
characters). payment_intents.pending_detail keeps a lease's detail: a cancel's reason (max_len
500 in CancelPaymentIntentRequest), or a refund's "<refund id>|<reason name>". PostgreSQL refused
the longer values: the refund after the PSP had returned the money, the cancel before its void.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refunds") as table:
        table.alter_column("reason", type_=sa.String(64), existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("payment_intents") as table:
        table.alter_column(
            "pending_detail",
            type_=sa.String(500),
            existing_type=sa.String(200),
            existing_nullable=False,
            existing_server_default="",
        )


def downgrade() -> None:
    # Fails on PostgreSQL while a row holds a longer value: narrowing would lose it.
    with op.batch_alter_table("payment_intents") as table:
        table.alter_column(
            "pending_detail",
            type_=sa.String(200),
            existing_type=sa.String(500),
            existing_nullable=False,
            existing_server_default="",
        )
    with op.batch_alter_table("refunds") as table:
        table.alter_column("reason", type_=sa.String(32), existing_type=sa.String(64), existing_nullable=False)
