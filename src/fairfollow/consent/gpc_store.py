"""The GPC signals members' browsers sent, and the conflicts with their grants (tables
``consent_gpc_signals`` and ``consent_gpc_conflicts``, append-only; migration ``gpc_0001``).
A signal row is written only when the state changes (on → off, off → on)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.gpc import GpcConflict, GpcStanding, objected
from fairfollow.consent.policy_store import load_purposes
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

signals = sa.Table(
    "consent_gpc_signals",
    metadata,
    sa.Column("signal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.BigInteger, nullable=False),
    sa.Column("signal_on", sa.Boolean, nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Index("ix_consent_gpc_signals_member", "member_id"),
)
conflicts = sa.Table(
    "consent_gpc_conflicts",
    metadata,
    sa.Column("conflict_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.BigInteger, nullable=False),
    sa.Column("purpose_key", sa.String(64), nullable=False),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


def _latest(conn: Connection, member_id: int) -> tuple[bool, datetime | None]:
    row = conn.execute(
        sa.select(signals.c.signal_on, signals.c.seen_at)
        .where(signals.c.member_id == member_id)
        .order_by(signals.c.signal_id.desc())
        .limit(1)
    ).first()
    return (False, None) if row is None else (bool(row.signal_on), row.seen_at)


def note_signal(conn: Connection, member_id: int, on: bool, at: datetime) -> bool:
    """Record the signal if it changed; whether a row was written."""
    if _latest(conn, member_id)[0] == on:
        return False
    conn.execute(signals.insert().values(member_id=member_id, signal_on=on, seen_at=at))
    return True


def signal_is_on(conn: Connection, member_id: int) -> bool:
    return _latest(conn, member_id)[0]


def record_conflict(
    conn: Connection, member_id: int, purpose_key: str, event_id: int, at: datetime
) -> None:
    conn.execute(
        conflicts.insert().values(
            member_id=member_id, purpose_key=purpose_key, event_id=event_id, at=at
        )
    )


def standing(conn: Connection, member_id: int) -> GpcStanding:
    on, since = _latest(conn, member_id)
    rows = conn.execute(
        sa.select(conflicts).where(conflicts.c.member_id == member_id).order_by("conflict_id")
    ).mappings()
    found = tuple(
        GpcConflict(r["member_id"], r["purpose_key"], r["event_id"], r["at"]) for r in rows
    )
    return GpcStanding(on, since, objected(load_purposes(conn).values()), found)
