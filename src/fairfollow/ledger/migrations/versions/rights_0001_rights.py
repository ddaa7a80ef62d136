"""Data-subject rights: requests and actions, the suppression list, per-member secrets and
release commitments of the transparency log.

Revision ID: rights_0001
Revises: 0000_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rights_0001"
down_revision = "0000_base"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("member_id", sa.BigInteger, nullable=True),
        sa.Column("member_ref", sa.String(64), nullable=False),
        sa.Column("basis", sa.String(8), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("identity_method", sa.String(32), nullable=True),
        sa.Column("identity_verified_by", sa.Text, nullable=True),
        sa.Column("identity_evidence", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_rights_requests_member_ref", "rights_requests", ["member_ref"])
    op.create_table(
        "rights_actions",
        sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("rights_requests.request_id"),
            nullable=False,
        ),
        sa.Column("at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_rights_actions_request", "rights_actions", ["request_id"])
    op.create_table(
        "consent_suppressions",
        sa.Column("member_hash", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("request_id", sa.Integer, nullable=True),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_table(
        "log_member_secrets",
        sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("secret", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "log_commitments",
        sa.Column("root", sa.LargeBinary(32), primary_key=True),
        sa.Column("salt", sa.LargeBinary(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("tokens", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("log_commitments")
    op.drop_table("log_member_secrets")
    op.drop_table("consent_suppressions")
    op.drop_index("ix_rights_actions_request", table_name="rights_actions")
    op.drop_table("rights_actions")
    op.drop_index("ix_rights_requests_member_ref", table_name="rights_requests")
    op.drop_table("rights_requests")
