"""What the analytics store holds about one member, for their disclosure export (GDPR Art. 15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fairfollow.events.store import open_store
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

Value = str | int | float | bool | date | datetime | None


@dataclass(frozen=True)
class MemberRows:
    profile: dict[str, Value]
    attributes: dict[str, Value]
    cookies: tuple[str, ...]
    events_by_type: dict[str, int]
    first_event: datetime | None
    last_event: datetime | None
    partner_events: int
    events: tuple[dict[str, Value], ...]  # the raw events, when asked for


def _dicts(columns: list[str], rows: list[tuple[Value, ...]]) -> list[dict[str, Value]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def member_rows(
    workspace: Workspace, member_id: int, *, raw_events: bool, settings: Settings | None = None
) -> MemberRows:
    """The member's rows in every table of the store (raw events only on request)."""
    con = open_store(workspace, settings=settings)
    try:

        def query(sql: str) -> list[dict[str, Value]]:
            cursor = con.execute(sql, [member_id])
            names = [d[0] for d in cursor.description or ()]
            return _dicts(names, cursor.fetchall())

        profile = query("SELECT * FROM members WHERE member_id = ?")
        attributes = query("SELECT * FROM member_attributes WHERE member_id = ?")
        cookies = tuple(
            str(r["cookie_id"])
            for r in query("SELECT cookie_id FROM cookie_links WHERE member_id = ? ORDER BY 1")
        )
        by_type = query(
            "SELECT event_type, count(*) AS n, min(ts) AS first, max(ts) AS last FROM events "
            "WHERE member_id = ? GROUP BY event_type ORDER BY event_type"
        )
        partner = con.execute(
            "SELECT count(*) FROM partner_events WHERE cookie_id IN "
            "(SELECT cookie_id FROM cookie_links WHERE member_id = ?)",
            [member_id],
        ).fetchone()
        events = (
            query("SELECT * FROM events WHERE member_id = ? ORDER BY ts, event_id")
            if raw_events
            else []
        )
    finally:
        con.close()
    firsts = [r["first"] for r in by_type if isinstance(r["first"], datetime)]
    lasts = [r["last"] for r in by_type if isinstance(r["last"], datetime)]
    return MemberRows(
        profile=profile[0] if profile else {},
        attributes=attributes[0] if attributes else {},
        cookies=cookies,
        events_by_type={str(r["event_type"]): int(str(r["n"])) for r in by_type},
        first_event=min(firsts) if firsts else None,
        last_event=max(lasts) if lasts else None,
        partner_events=0 if partner is None else int(partner[0]),
        events=tuple(events),
    )
