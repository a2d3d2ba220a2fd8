"""ListPaymentIntents pages by keyset (newest first, then id) within a tenant: index that order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_payment_intents_listing"), "payment_intents", ["tenant", "created_at", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_intents_listing"), table_name="payment_intents")
