"""Global Privacy Control: the signals members' browsers sent (state changes only) and the
conflicts with grants made while the signal was on.

Revision ID: gpc_0001
Revises: tie_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gpc_0001"
down_revision = "tie_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consent_gpc_signals",
        sa.Column("signal_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.BigInteger, nullable=False),
        sa.Column("signal_on", sa.Boolean, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_index("ix_consent_gpc_signals_member", "consent_gpc_signals", ["member_id"])
    op.create_table(
        "consent_gpc_conflicts",
        sa.Column("conflict_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.BigInteger, nullable=False),
        sa.Column("purpose_key", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consent_gpc_conflicts")
    op.drop_index("ix_consent_gpc_signals_member", table_name="consent_gpc_signals")
    op.drop_table("consent_gpc_signals")
