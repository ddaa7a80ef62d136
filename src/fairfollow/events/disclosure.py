"""What the analytics store holds about one member, for their disclosure export (GDPR Art. 15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fairfollow.events.store import reading_store
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


@dataclass(frozen=True)
class MemberCounts:
    """The sizes of the parts of :class:`MemberRows`, with the first and last event."""

    profile_fields: int
    attribute_fields: int
    cookies: int
    events: int
    first_event: datetime | None
    last_event: datetime | None
    partner_events: int


# One statement instead of member_rows' five (each has its own parse, plan and file
# footers); a profile's and attributes' row comes back whole (a struct), its fields counted.
_COUNTS = """
SELECT (SELECT r FROM members AS r WHERE member_id = $1 LIMIT 1),
    (SELECT r FROM member_attributes AS r WHERE member_id = $1 LIMIT 1),
    (SELECT count(*) FROM cookie_links WHERE member_id = $1),
    mine.n, mine.first, mine.last,
    (SELECT count(*) FROM partner_events WHERE cookie_id IN
        (SELECT cookie_id FROM cookie_links WHERE member_id = $1))
FROM (SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM events WHERE member_id = $1)
    AS mine
"""


def member_counts(
    workspace: Workspace, member_id: int, *, settings: Settings | None = None
) -> MemberCounts:
    """What :func:`member_rows` finds about the member, counted: the events, cookies and
    partner events are not read out, only counted."""
    with reading_store(workspace, settings=settings) as con:
        row = con.execute(_COUNTS, [member_id]).fetchone()
    assert row is not None  # an aggregate over no rows is still one row
    profile, attributes, cookies, events, first, last, partner = row
    return MemberCounts(
        len(profile) if isinstance(profile, dict) else 0,
        len(attributes) if isinstance(attributes, dict) else 0,
        int(cookies),
        int(events),
        first if isinstance(first, datetime) else None,
        last if isinstance(last, datetime) else None,
        int(partner),
    )


def _dicts(columns: list[str], rows: list[tuple[Value, ...]]) -> list[dict[str, Value]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def member_rows(
    workspace: Workspace, member_id: int, *, raw_events: bool, settings: Settings | None = None
) -> MemberRows:
    """The member's rows in every table of the store (raw events only on request)."""
    with reading_store(workspace, settings=settings) as con:

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
