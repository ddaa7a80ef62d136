"""Consent ledger: purposes, policy versions and their status, screens, deployments, members,
consent events and quarantined log rows. All append-only.

Revision ID: 0100_consent_ledger
Revises: 0000_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_consent_ledger"
down_revision = "0000_base"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consent_purposes",
        sa.Column("purpose_key", sa.String(64), primary_key=True),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("description_ja", sa.Text, nullable=False),
        sa.Column("description_en", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("recipient_class", sa.Text, nullable=False),
        sa.Column("dpv_term", sa.String(128), nullable=False),
    )
    op.create_table(
        "policy_versions",
        sa.Column("version_id", sa.String(64), primary_key=True),
        sa.Column("effective_at", TS, nullable=False),
        sa.Column("text_ja", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
    )
    op.create_table(
        "policy_version_purposes",
        sa.Column(
            "version_id",
            sa.String(64),
            sa.ForeignKey("policy_versions.version_id"),
            primary_key=True,
        ),
        sa.Column(
            "purpose_key",
            sa.String(64),
            sa.ForeignKey("consent_purposes.purpose_key"),
            primary_key=True,
        ),
        sa.Column("material", sa.Boolean, nullable=False),
    )
    op.create_table(
        "policy_status_events",
        sa.Column("status_event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.String(64),
            sa.ForeignKey("policy_versions.version_id"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("forced", sa.Boolean, nullable=False),
    )
    op.create_table(
        "policy_activation_decisions",
        sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("lagging", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
    )
    op.create_table(
        "consent_screens",
        sa.Column("screen_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("description_ja", sa.Text, nullable=False),
        sa.Column("description_en", sa.Text, nullable=False),
    )
    op.create_table(
        "screen_deployments",
        sa.Column("deploy_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "screen_id",
            sa.String(64),
            sa.ForeignKey("consent_screens.screen_id"),
            nullable=False,
        ),
        sa.Column(
            "version_id",
            sa.String(64),
            sa.ForeignKey("policy_versions.version_id"),
            nullable=True,
        ),
        sa.Column("deployed_at", TS, nullable=False),
    )
    op.create_index(
        "ix_screen_deployments_screen_at", "screen_deployments", ["screen_id", "deployed_at"]
    )
    op.create_table(
        "consent_members",
        sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("registration_screen", sa.String(64), nullable=True),
        sa.Column("season", sa.Integer, nullable=True),
    )
    op.create_table(
        "consent_events",
        sa.Column("consent_event_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(
            "member_id",
            sa.BigInteger,
            sa.ForeignKey("consent_members.member_id"),
            nullable=False,
        ),
        sa.Column(
            "purpose_key",
            sa.String(64),
            sa.ForeignKey("consent_purposes.purpose_key"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column(
            "screen_id",
            sa.String(64),
            sa.ForeignKey("consent_screens.screen_id"),
            nullable=False,
        ),
        sa.Column("version_recorded", sa.String(64), nullable=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_consent_events_purpose_member_at",
        "consent_events",
        ["purpose_key", "member_id", "occurred_at", "consent_event_id"],
    )
    op.create_table(
        "consent_quarantine",
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("quarantined_at", TS, nullable=False),
        sa.UniqueConstraint("source_file", "source_row", name="uq_consent_quarantine_row"),
    )


def downgrade() -> None:
    op.drop_table("consent_quarantine")
    op.drop_index("ix_consent_events_purpose_member_at", table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_table("consent_members")
    op.drop_index("ix_screen_deployments_screen_at", table_name="screen_deployments")
    op.drop_table("screen_deployments")
    op.drop_table("consent_screens")
    op.drop_table("policy_activation_decisions")
    op.drop_table("policy_status_events")
    op.drop_table("policy_version_purposes")
    op.drop_table("policy_versions")
    op.drop_table("consent_purposes")
