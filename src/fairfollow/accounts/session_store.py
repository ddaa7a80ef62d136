"""Ledger table of browser sessions (migration ``acct_0002``).

A row per session: the SHA-256 of its cookie (the cookie itself is never stored), the
account, when it was opened and last used, when it ends at the latest, and when it was
closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

sessions = sa.Table(
    "acct_sessions",
    metadata,
    sa.Column("session_sha256", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("acct_accounts.account_id"), nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Index("ix_acct_sessions_account", "account_id"),
)


@dataclass(frozen=True)
class StoredSession:
    account_id: str
    opened_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    closed_at: datetime | None


def add_session(
    conn: Connection, digest: str, account_id: str, *, opened_at: datetime, expires_at: datetime
) -> None:
    conn.execute(
        sessions.insert().values(
            session_sha256=digest,
            account_id=account_id,
            opened_at=opened_at,
            last_seen_at=opened_at,
            expires_at=expires_at,
            closed_at=None,
        )
    )


def find_session(conn: Connection, digest: str) -> StoredSession | None:
    row = conn.execute(sa.select(sessions).where(sessions.c.session_sha256 == digest)).first()
    if row is None:
        return None
    return StoredSession(
        row.account_id, row.opened_at, row.last_seen_at, row.expires_at, row.closed_at
    )


def touch_session(conn: Connection, digest: str, at: datetime) -> None:
    conn.execute(
        sessions.update()
        .where(sessions.c.session_sha256 == digest, sessions.c.closed_at.is_(None))
        .values(last_seen_at=at)
    )


def close_sessions(
    conn: Connection,
    at: datetime,
    *,
    digest: str | None = None,
    account_id: str | None = None,
    sparing: str | None = None,
) -> int:
    """Close one session (by digest) or every open session of an account but ``sparing``."""
    if digest is None and account_id is None:
        raise ValueError("close a session by its digest or an account's sessions by its id")
    query = sessions.update().where(sessions.c.closed_at.is_(None)).values(closed_at=at)
    if digest is not None:
        query = query.where(sessions.c.session_sha256 == digest)
    if account_id is not None:
        query = query.where(sessions.c.account_id == account_id)
    if sparing is not None:
        query = query.where(sessions.c.session_sha256 != sparing)
    return int(conn.execute(query).rowcount or 0)
