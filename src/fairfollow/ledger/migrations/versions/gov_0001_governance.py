"""Governance: data-service versions, workflow events, roles, committee quorum, decisions,
privacy budgets, provision and confirmation records, employer intakes and offer pools.

Revision ID: gov_0001_governance
Revises: 0000_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gov_0001_governance"
down_revision = "0000_base"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _id(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "gov_services",
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "gov_service_versions",
        sa.Column(
            "service_id",
            sa.String(64),
            sa.ForeignKey("gov_services.service_id"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("spec_sha256", sa.String(64), nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("registered_by", sa.Text, nullable=False),
        sa.Column("registered_at", TS, nullable=False),
    )
    op.create_table(
        "gov_workflow_events",
        _id("event_id"),
        sa.Column(
            "service_id", sa.String(64), sa.ForeignKey("gov_services.service_id"), nullable=False
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("citations", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_gov_workflow_events_service", "gov_workflow_events", ["service_id", "event_id"]
    )
    op.create_table(
        "gov_role_events",
        _id("role_event_id"),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "gov_committee_events",
        _id("committee_event_id"),
        sa.Column("quorum", sa.Integer, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "gov_decisions",
        _id("decision_id"),
        sa.Column("request", sa.String(32), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=True),
        sa.Column("service_version", sa.Integer, nullable=True),
        sa.Column("employer", sa.String(64), nullable=True),
        sa.Column("season", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(48), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_gov_decisions_employer", "gov_decisions", ["employer", "season"])
    op.create_table(
        "gov_budgets",
        sa.Column("employer", sa.String(64), primary_key=True),
        sa.Column("season", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "gov_budget_entries",
        _id("entry_id"),
        sa.Column("employer", sa.String(64), nullable=False),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("epsilon", sa.Float, nullable=False),
        sa.Column("decision_id", sa.Integer, nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_gov_budget_entries_employer", "gov_budget_entries", ["employer", "season"])
    op.create_table(
        "gov_provisions",
        _id("provision_id"),
        sa.Column("decision_id", sa.Integer, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("recipient_class", sa.String(64), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("consent_basis", sa.Text, nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("provided_at", TS, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("retain_until", TS, nullable=False),
    )
    op.create_table(
        "gov_provision_subjects",
        sa.Column(
            "provision_id",
            sa.Integer,
            sa.ForeignKey("gov_provisions.provision_id"),
            primary_key=True,
        ),
        sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    op.create_index("ix_gov_provision_subjects_member", "gov_provision_subjects", ["member_id"])
    op.create_table(
        "gov_confirmations",
        _id("confirmation_id"),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("provider_name", sa.Text, nullable=False),
        sa.Column("provider_address", sa.Text, nullable=False),
        sa.Column("representative", sa.Text, nullable=False),
        sa.Column("obtained_how", sa.Text, nullable=False),
        sa.Column("consent_statement", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("retain_until", TS, nullable=False),
    )
    op.create_table(
        "gov_intakes",
        _id("intake_id"),
        sa.Column("employer", sa.String(64), nullable=False),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("keyed_by", sa.String(32), nullable=False),
        sa.Column("confirmation_id", sa.Integer, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_quarantined", sa.Integer, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_gov_intakes_employer", "gov_intakes", ["employer", "season"])
    op.create_table(
        "gov_intake_quarantine",
        sa.Column(
            "intake_id", sa.Integer, sa.ForeignKey("gov_intakes.intake_id"), primary_key=True
        ),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
    )
    op.create_table(
        "gov_pool_offers",
        sa.Column(
            "intake_id", sa.Integer, sa.ForeignKey("gov_intakes.intake_id"), primary_key=True
        ),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("applicant_key", sa.String(64), nullable=False),
        sa.Column("member_id", sa.BigInteger, nullable=True),
        sa.Column("offer_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(48), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "gov_pool_offers",
        "gov_intake_quarantine",
        "gov_intakes",
        "gov_confirmations",
        "gov_provision_subjects",
        "gov_provisions",
        "gov_budget_entries",
        "gov_budgets",
        "gov_decisions",
        "gov_committee_events",
        "gov_role_events",
        "gov_workflow_events",
        "gov_service_versions",
        "gov_services",
    ):
        op.drop_table(table)
