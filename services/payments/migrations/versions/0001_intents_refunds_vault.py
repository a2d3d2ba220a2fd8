"""Payment intents, refunds and the card vault.

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


def upgrade() -> None:
    op.create_table(
        "payment_intents",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("capture_method", sa.String(16), nullable=False),
        sa.Column("payment_method", sa.String(80), nullable=False),
        sa.Column("order_name", sa.String(256), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("psp", sa.String(64), nullable=False),
        sa.Column("psp_reference", sa.String(128), nullable=False),
        sa.Column("decline_code", sa.String(64), nullable=False),
        sa.Column("cancellation_reason", sa.String(500), nullable=False),
        sa.Column("pending_psp", sa.String(64), nullable=False),
        sa.Column("pending_psp_key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_payment_intents")),
    )
    op.create_index("ix_payment_intents_state", "payment_intents", ["state"])
    op.create_table(
        "refunds",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("intent_id", sa.String(64), nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("psp_reference", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_refunds")),
    )
    op.create_table(
        "vault_cards",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(16), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_vault_cards")),
    )


def downgrade() -> None:
    op.drop_table("vault_cards")
    op.drop_table("refunds")
    op.drop_index("ix_payment_intents_state", table_name="payment_intents")
    op.drop_table("payment_intents")
