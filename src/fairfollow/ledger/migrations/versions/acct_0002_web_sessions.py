"""Accounts for the web: an employer user's employer, and browser sessions.

``acct_accounts.employer`` binds an employer user's account to one employer (NULL for staff
and members). ``acct_sessions`` holds the SHA-256 of each browser session's cookie, when it
was opened and last used (the idle timeout) and when it ends at the latest (the absolute
timeout), and when it was closed; never the cookie itself.

Revision ID: acct_0002
Revises: acct_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "acct_0002"
down_revision = "acct_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("acct_accounts") as batch:
        batch.add_column(sa.Column("employer", sa.String(64), nullable=True))
    op.create_table(
        "acct_sessions",
        sa.Column("session_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(32),
            sa.ForeignKey("acct_accounts.account_id"),
            nullable=False,
        ),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
    )
    op.create_index("ix_acct_sessions_account", "acct_sessions", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_acct_sessions_account", "acct_sessions")
    op.drop_table("acct_sessions")
    with op.batch_alter_table("acct_accounts") as batch:
        batch.drop_column("employer")
