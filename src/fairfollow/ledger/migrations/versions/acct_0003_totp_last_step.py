"""Single-use TOTP codes: the last time step accepted, per account.

``acct_accounts.totp_last_step`` is the RFC 6238 step (30 s since the Unix epoch) of the
last TOTP code an account signed in with; a code whose step is at or before it is refused,
so a code seen over a shoulder or replayed from a log cannot be used again. NULL until the
first code is accepted (and again when a new secret is enrolled).

Revision ID: acct_0003
Revises: actor_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "acct_0003"
down_revision = "actor_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("acct_accounts") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("acct_accounts") as batch:
        batch.drop_column("totp_last_step")
