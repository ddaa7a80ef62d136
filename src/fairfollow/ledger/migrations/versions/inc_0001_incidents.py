"""The incident register: leaks recorded with their facts, and the reports filed for them.

Revision ID: inc_0001
Revises: 0000_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inc_0001"
down_revision = "0000_base"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inc_incidents",
        sa.Column("incident_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("discovered_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("eu_persons", sa.Integer, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("leaf_index", sa.Integer, nullable=False),
    )
    op.create_table(
        "inc_reports",
        sa.Column("report_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id",
            sa.Integer,
            sa.ForeignKey("inc_incidents.incident_id"),
            nullable=False,
        ),
        sa.Column("duty", sa.String(32), nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("logged_at", TS, nullable=False),
        sa.Column("filed_by", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("leaf_index", sa.Integer, nullable=False),
    )
    op.create_index("ix_inc_reports_incident", "inc_reports", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_inc_reports_incident", table_name="inc_reports")
    op.drop_table("inc_reports")
    op.drop_table("inc_incidents")
