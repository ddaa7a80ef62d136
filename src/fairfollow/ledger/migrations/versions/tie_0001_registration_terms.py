"""The purposes registration requires consent to, per policy version or screen (the
activation gate refuses those the job-site service does not need: ESA Art. 5-5, GDPR
Art. 7(4)).

Revision ID: tie_0001
Revises: 0101_consent_quarantine_field
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tie_0001"
down_revision = "0101_consent_quarantine_field"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_registration_terms",
        sa.Column("term_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.String(64),
            sa.ForeignKey("policy_versions.version_id"),
            nullable=False,
        ),
        sa.Column(
            "screen_id", sa.String(64), sa.ForeignKey("consent_screens.screen_id"), nullable=True
        ),
        sa.Column(
            "purpose_key",
            sa.String(64),
            sa.ForeignKey("consent_purposes.purpose_key"),
            nullable=False,
        ),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consent_registration_terms")
