"""Break-glass recovery: the sealed secret that recovers a privileged account.

``acct_break_glass`` is append-only: a ``sealed`` row holds the argon2id hash of a new
break-glass secret (printed once, to whoever sealed it), a ``spent`` row says the secret in
force was used (or replaced). The secret in force is the latest row's, when it is ``sealed``.

Revision ID: acct_0004
Revises: acct_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "acct_0004"
down_revision = "acct_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acct_break_glass",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=True),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("acct_break_glass")
