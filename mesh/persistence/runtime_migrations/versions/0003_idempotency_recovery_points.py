"""Idempotency records become the spine of atomic phases: created before the handler runs,
holding a recovery point and a lock (owner, locked_until) until the outcome is stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a column's nullability in place.
    with op.batch_alter_table("idempotency_records") as table:
        table.alter_column("status_code", existing_type=sa.Integer(), nullable=True)
        # Rows written before this revision are finished executions.
        table.add_column(sa.Column("recovery_point", sa.String(64), nullable=False, server_default="finished"))
        table.add_column(sa.Column("owner", sa.String(36), nullable=True))
        table.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records") as table:
        table.drop_column("locked_until")
        table.drop_column("owner")
        table.drop_column("recovery_point")
        table.alter_column("status_code", existing_type=sa.Integer(), nullable=False)
