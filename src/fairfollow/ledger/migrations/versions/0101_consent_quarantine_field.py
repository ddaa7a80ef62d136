"""Consent ledger: the field a quarantined row's reason is about.

Quarantined consent rows keep identifiers only as keyed hashes from now on. Rows written
before have no ``field`` (NULL): the next consent ingest, which holds the workspace's
matching key, rewrites them (:func:`fairfollow.consent.store.redact_legacy`).

Revision ID: 0101_consent_quarantine_field
Revises: 0100_consent_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_consent_quarantine_field"
down_revision = "0100_consent_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_quarantine") as batch:
        batch.add_column(sa.Column("field", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_quarantine") as batch:
        batch.drop_column("field")
