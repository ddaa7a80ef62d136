"""Release door: the per-member ε odometer, and the reason recorded with a cap change.

Revision ID: rel_0001_member_odometer
Revises: gov_0001_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rel_0001_member_odometer"
down_revision = "gov_0001_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rel_member_odometer",
        sa.Column("member_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("season", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("spent", sa.Float, nullable=False),
        sa.Column("releases", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("gov_budget_entries") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gov_budget_entries") as batch:
        batch.drop_column("reason")
    op.drop_table("rel_member_odometer")
