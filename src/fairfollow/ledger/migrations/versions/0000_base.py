"""Base revision: a table naming the ledger's schema owner and creation time.

Revision ID: 0000_base
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0000_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.bulk_insert(
        sa.table("ledger_meta", sa.column("key", sa.String), sa.column("value", sa.Text)),
        [{"key": "schema", "value": "fairfollow-ledger"}],
    )


def downgrade() -> None:
    op.drop_table("ledger_meta")
