"""The ledger table of break-glass secrets (migration ``acct_0004``).

``acct_break_glass`` is append-only: ``sealed`` rows hold the argon2id hash of a new secret,
``spent`` rows end the one in force (used, or replaced by a new seal). Never the secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

break_glass = sa.Table(
    "acct_break_glass",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=True),
    sa.Column("account_id", sa.String(32), nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
)


class GlassEvent(StrEnum):
    SEALED = "sealed"
    SPENT = "spent"


@dataclass(frozen=True)
class SealedGlass:
    """The break-glass secret in force: its hash, when and by whom it was sealed."""

    event_id: int
    secret_hash: str
    account_id: str | None
    at: datetime


def in_force(conn: Connection) -> SealedGlass | None:
    """The secret in force (the latest row, when it is a seal), or None."""
    row = conn.execute(
        sa.select(break_glass).order_by(break_glass.c.event_id.desc()).limit(1)
    ).first()
    if row is None or row.kind != GlassEvent.SEALED or row.secret_hash is None:
        return None
    return SealedGlass(row.event_id, row.secret_hash, row.account_id, row.at)


def seal(conn: Connection, secret_hash: str, account_id: str | None, at: datetime) -> int:
    """Put a new secret in force (ending any earlier one); returns its event id."""
    if in_force(conn) is not None:
        spend(conn, account_id, at)
    key = conn.execute(
        break_glass.insert().values(
            kind=GlassEvent.SEALED.value, secret_hash=secret_hash, account_id=account_id, at=at
        )
    ).inserted_primary_key
    return int(key[0]) if key else 0


def spend(conn: Connection, account_id: str | None, at: datetime) -> None:
    """End the secret in force."""
    conn.execute(
        break_glass.insert().values(
            kind=GlassEvent.SPENT.value, secret_hash=None, account_id=account_id, at=at
        )
    )
