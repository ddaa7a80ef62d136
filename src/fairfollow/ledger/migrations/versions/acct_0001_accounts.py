"""Accounts: logins, credential hashes, role grants by authority, tokens, an audit trail.

The free-text role grants of ``gov_role_events`` (anyone could grant any name any role) are
dropped, not carried over: roles are granted again by the bootstrap administrator.

Revision ID: acct_0001
Revises: gov_0001_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "acct_0001"
down_revision = "gov_0001_governance"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "acct_accounts",
        sa.Column("account_id", sa.String(32), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("setup_secret_hash", sa.Text, nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
    )
    op.create_table(
        "acct_role_events",
        sa.Column("role_event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            sa.String(32),
            sa.ForeignKey("acct_accounts.account_id"),
            nullable=False,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("by_account", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "acct_tokens",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(32),
            sa.ForeignKey("acct_accounts.account_id"),
            nullable=False,
        ),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "acct_audit_events",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_acct_audit_login", "acct_audit_events", ["login", "audit_id"])
    op.drop_table("gov_role_events")


def downgrade() -> None:
    op.create_table(
        "gov_role_events",
        sa.Column("role_event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.drop_index("ix_acct_audit_login", table_name="acct_audit_events")
    for table in ("acct_audit_events", "acct_tokens", "acct_role_events", "acct_accounts"):
        op.drop_table(table)
