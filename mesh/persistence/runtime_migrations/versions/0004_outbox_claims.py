"""Outbox claims: a relay leases the rows it is publishing (claimed_until), so it publishes with
no transaction open and another relay leaves those aggregates alone until the lease runs out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # batch mode: older SQLite cannot DROP COLUMN in place.
    with op.batch_alter_table("outbox") as table:
        table.drop_column("claimed_until")
