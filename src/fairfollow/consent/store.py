"""Ledger tables for members, consent events and quarantined log rows, and their writes.

Append-only: a decision is never updated; a withdrawal or a correction is a new event. The
members table holds only what the ledger needs to say who could have been asked (id,
registration time and screen), never names or contact details (APPI Art. 18, ESA Art. 5-5).
Bulk writes use COPY on PostgreSQL and batched executemany on SQLite.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.policy_store import lock_policy, purposes, screens
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import InputError
from fairfollow.instants import utc
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

BATCH = 50_000

members = sa.Table(
    "consent_members",
    metadata,
    sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("registered_at", UtcDateTime, nullable=False),
    sa.Column("registration_screen", sa.String(64), nullable=True),
    sa.Column("season", sa.Integer, nullable=True),
)

events = sa.Table(
    "consent_events",
    metadata,
    sa.Column("consent_event_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("member_id", sa.ForeignKey("consent_members.member_id"), nullable=False),
    sa.Column("purpose_key", sa.ForeignKey("consent_purposes.purpose_key"), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("screen_id", sa.ForeignKey("consent_screens.screen_id"), nullable=False),
    sa.Column("version_recorded", sa.String(64), nullable=True),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("method", sa.String(64), nullable=False),
    # Covers the bulk evaluation: latest decision per member for one purpose up to t.
    sa.Index(
        "ix_consent_events_purpose_member_at",
        "purpose_key",
        "member_id",
        "occurred_at",
        "consent_event_id",
    ),
)

quarantine = sa.Table(
    "consent_quarantine",
    metadata,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_file", sa.String(255), nullable=False),
    sa.Column("source_row", sa.Integer, nullable=False),  # 0-based data row, header excluded
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # JSON; identifiers only as keyed hashes
    sa.Column("quarantined_at", UtcDateTime, nullable=False),
    # The field the reason is about; NULL on rows kept before identifiers were hashed.
    sa.Column("field", sa.String(64), nullable=True),
    sa.UniqueConstraint("source_file", "source_row", name="uq_consent_quarantine_row"),
)


@dataclass(frozen=True)
class Member:
    """A member as the ledger knows them: who could have been asked, from when."""

    member_id: int
    registered_at: datetime
    registration_screen: str | None = None
    season: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "registered_at", utc(self.registered_at))


@dataclass(frozen=True)
class QuarantinedRow:
    """A log row that could not be stored: where it was, the reason code of
    docs/season-format.md, the field it is about, and its cells as JSON with identifiers only
    as keyed hashes (:mod:`fairfollow.consent.quarantine`)."""

    source_file: str
    source_row: int
    reason: str
    field: str
    raw: str


def bulk_insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, batched executemany elsewhere.

    Values go through each column type's bind processing (so :class:`UtcDateTime` still
    refuses naive times) but skip SQLAlchemy's per-row statement compilation.
    """
    if not rows:
        return
    names = list(rows[0])
    # dialect_impl: the processor SQLAlchemy itself would use (SQLite's DATETIME keeps
    # microseconds, so stored text orders like time).
    binds = [
        table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for name in names
    ]
    tuples = (
        tuple(
            bind(row[name]) if bind else row[name] for name, bind in zip(names, binds, strict=True)
        )
        for row in rows
    )
    _write(conn, table, names, tuples)


def bulk_insert_arrow(conn: Connection, table: sa.Table, data: pa.Table) -> None:
    """Insert an Arrow table whose columns are named after ``table``'s (timestamps UTC).

    PostgreSQL: the table is written as CSV straight into COPY. SQLite: timestamps are
    formatted by Arrow in the text form :class:`UtcDateTime` stores.
    """
    if data.num_rows == 0:
        return
    names = data.column_names
    if conn.dialect.name == "postgresql":
        buffer = io.BytesIO()
        pcsv.write_csv(data, buffer, pcsv.WriteOptions(include_header=False))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        return
    columns = []
    for name in names:
        column = data[name]
        if pa.types.is_timestamp(column.type):
            column = pc.strftime(column.cast(pa.timestamp("us", tz="UTC")), "%Y-%m-%d %H:%M:%S")
        columns.append(column.to_pylist())
    _write(conn, table, names, zip(*columns, strict=True))


def _write(
    conn: Connection, table: sa.Table, names: list[str], tuples: Iterable[Sequence[Any]]
) -> None:
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
        return
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    batch: list[Sequence[Any]] = []
    for values in tuples:
        batch.append(values)
        if len(batch) == BATCH:
            conn.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)


def existing_ids(conn: Connection, column: sa.Column[Any]) -> set[Any]:
    return set(conn.execute(sa.select(column)).scalars())


def add_members(conn: Connection, items: Iterable[Member]) -> int:
    """Record members not yet known (idempotent by id)."""
    known = existing_ids(conn, members.c.member_id)
    rows = [
        {
            "member_id": m.member_id,
            "registered_at": m.registered_at,
            "registration_screen": m.registration_screen,
            "season": m.season,
        }
        for m in items
        if m.member_id not in known
    ]
    bulk_insert(conn, members, rows)
    return len(rows)


def _event_row(e: ConsentEvent) -> dict[str, Any]:
    return {
        "consent_event_id": e.event_id,
        "member_id": e.member_id,
        "purpose_key": e.purpose_key,
        "action": e.action.value,
        "screen_id": e.screen_id,
        "version_recorded": e.version_recorded,
        "occurred_at": e.occurred_at,
        "method": e.method,
    }


def add_events(conn: Connection, items: Iterable[ConsentEvent]) -> int:
    """Record consent events not yet known (idempotent by event id).

    Callers validate members, purposes and screens first (ingest quarantines the rest); the
    foreign keys still refuse anything that slips through.
    """
    known = existing_ids(conn, events.c.consent_event_id)
    rows = [_event_row(e) for e in items if e.event_id not in known]
    bulk_insert(conn, events, rows)
    return len(rows)


def record_event(conn: Connection, event: ConsentEvent) -> ConsentEvent:
    """Record one decision made now; the id is assigned if ``event.event_id`` is 0."""
    lock_policy(conn)
    if (
        conn.execute(
            sa.select(members.c.member_id).where(members.c.member_id == event.member_id)
        ).first()
        is None
    ):
        raise InputError("consent.member_unknown", member=event.member_id)
    if (
        conn.execute(
            sa.select(purposes.c.purpose_key).where(purposes.c.purpose_key == event.purpose_key)
        ).first()
        is None
    ):
        raise InputError("consent.purpose_unknown", purpose=event.purpose_key)
    if (
        conn.execute(
            sa.select(screens.c.screen_id).where(screens.c.screen_id == event.screen_id)
        ).first()
        is None
    ):
        raise InputError("consent.screen_unknown", screen=event.screen_id)
    if event.event_id == 0:
        top = conn.execute(sa.select(sa.func.max(events.c.consent_event_id))).scalar()
        event = ConsentEvent(
            int(top or 0) + 1,
            event.member_id,
            event.purpose_key,
            event.action,
            event.screen_id,
            event.version_recorded,
            event.occurred_at,
            event.method,
        )
    conn.execute(events.insert().values(**_event_row(event)))
    return event


def _to_event(r: Any) -> ConsentEvent:
    return ConsentEvent(
        event_id=int(r.consent_event_id),
        member_id=int(r.member_id),
        purpose_key=r.purpose_key,
        action=ConsentAction(r.action),
        screen_id=r.screen_id,
        version_recorded=r.version_recorded,
        occurred_at=r.occurred_at,
        method=r.method,
    )


def load_events(
    conn: Connection, *, member_id: int | None = None, purpose_key: str | None = None
) -> list[ConsentEvent]:
    """Consent events in time order (ties by id), optionally for one member or purpose."""
    query = sa.select(events).order_by(events.c.occurred_at, events.c.consent_event_id)
    if member_id is not None:
        query = query.where(events.c.member_id == member_id)
    if purpose_key is not None:
        query = query.where(events.c.purpose_key == purpose_key)
    return [_to_event(r) for r in conn.execute(query)]


def load_event(conn: Connection, event_id: int) -> ConsentEvent | None:
    row = conn.execute(sa.select(events).where(events.c.consent_event_id == event_id)).first()
    return None if row is None else _to_event(row)


def load_members(conn: Connection) -> list[Member]:
    rows = conn.execute(sa.select(members).order_by(members.c.member_id))
    return [
        Member(int(r.member_id), r.registered_at, r.registration_screen, r.season) for r in rows
    ]


def add_quarantined(conn: Connection, rows: Iterable[QuarantinedRow], *, at: datetime) -> int:
    """Keep rejected log rows with their reason (idempotent by file and row)."""
    known = {
        (r.source_file, r.source_row)
        for r in conn.execute(sa.select(quarantine.c.source_file, quarantine.c.source_row))
    }
    fresh = [
        {
            "source_file": q.source_file,
            "source_row": q.source_row,
            "reason": q.reason,
            "raw": q.raw,
            "field": q.field,
            "quarantined_at": at,
        }
        for q in rows
        if (q.source_file, q.source_row) not in known
    ]
    bulk_insert(conn, quarantine, fresh)
    return len(fresh)


def load_quarantined(conn: Connection) -> list[QuarantinedRow]:
    rows = conn.execute(
        sa.select(quarantine).order_by(quarantine.c.source_file, quarantine.c.source_row)
    )
    return [
        QuarantinedRow(r.source_file, r.source_row, r.reason, r.field or "", r.raw) for r in rows
    ]


def legacy_quarantined(conn: Connection) -> list[tuple[int, str, str]]:
    """(id, reason, raw) of rows kept before identifiers were hashed (no field recorded)."""
    rows = conn.execute(
        sa.select(quarantine.c.quarantine_id, quarantine.c.reason, quarantine.c.raw).where(
            quarantine.c.field.is_(None)
        )
    )
    return [(int(r.quarantine_id), str(r.reason), str(r.raw)) for r in rows]


def rewrite_quarantined(conn: Connection, rows: Iterable[tuple[int, str, str]]) -> int:
    """Replace (id, field, raw) of quarantined rows; returns how many."""
    count = 0
    for quarantine_id, field, raw in rows:
        conn.execute(
            quarantine.update()
            .where(quarantine.c.quarantine_id == quarantine_id)
            .values(field=field, raw=raw)
        )
        count += 1
    return count


def _quarantined_of(conn: Connection, member_id: int, cell: str) -> list[int]:
    """The member's quarantined rows, found by ``cell``, the keyed hash the quarantine keeps
    of the id (:mod:`fairfollow.consent.quarantine`); rows kept before ids were hashed (no
    field recorded, cells as a list) by the id in clear."""
    found = []
    rows = conn.execute(
        sa.select(quarantine.c.quarantine_id, quarantine.c.raw, quarantine.c.field).where(
            quarantine.c.raw.like(f"%{cell}%") | quarantine.c.field.is_(None)
        )
    )
    for quarantine_id, raw, field in rows:
        try:
            cells = json.loads(raw)
            if field is None:
                if int(cells[1]) == member_id:
                    found.append(int(quarantine_id))
            elif cells.get("member_id") == cell:
                found.append(int(quarantine_id))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            continue
    return found


def forget_member(conn: Connection, member_id: int, *, quarantine_cell: str) -> dict[str, int]:
    """Delete the member's consent events, registration and quarantined rows (erasure);
    counts by what. ``quarantine_cell`` is the keyed hash the quarantine keeps of the id."""
    deleted_events = conn.execute(events.delete().where(events.c.member_id == member_id))
    registered = conn.execute(members.delete().where(members.c.member_id == member_id))
    quarantined = _quarantined_of(conn, member_id, quarantine_cell)
    if quarantined:
        conn.execute(quarantine.delete().where(quarantine.c.quarantine_id.in_(quarantined)))
    return {
        "consent_events_deleted": int(deleted_events.rowcount or 0),
        "consent_registration_deleted": int(registered.rowcount or 0),
        "consent_quarantine_deleted": len(quarantined),
    }
