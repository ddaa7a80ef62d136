"""Consent coverage: the validity rule of :mod:`fairfollow.consent.validity` for all members.

One SQL statement, the same on SQLite and PostgreSQL, gives each member's verdict for one
purpose at one instant:

* ``latest``: each member's last decision for the purpose at or before *t* (window function
  over the covering index; ties by event id);
* ``shown``: the deployment interval of the decision's screen that contains the decision's
  instant (a deployment at *t* applies to an event at *t*), hence the version displayed;
* whether that version covers the purpose, and whether a material change to the purpose
  effective at or before *t* came in a later version.

The population is every member registered at or before *t*. The coverage report counts
verdicts by reason, names the screens responsible and lists the affected member ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.policy import utc
from fairfollow.consent.policy_store import deployments, load_purposes, version_purposes, versions
from fairfollow.consent.store import events, members
from fairfollow.consent.validity import REASON_INFO, Reason, Verdict
from fairfollow.errors import InputError

MAX_BOUND_IDS = 5_000  # longer member_id lists are filtered after the query


def _last_decisions(purpose_key: str, at: datetime) -> sa.Subquery:
    """Each member's last decision up to ``at`` (PostgreSQL).

    One window in the covering index's own order (member, instant, id), so no sort is
    needed: a row is its member's last when the next row belongs to another member.
    """
    ordered = (
        sa.select(
            events.c.member_id,
            events.c.consent_event_id,
            events.c.action,
            events.c.screen_id,
            events.c.occurred_at,
            sa.func.lead(events.c.member_id)
            .over(order_by=(events.c.member_id, events.c.occurred_at, events.c.consent_event_id))
            .label("next_member"),
        )
        .where(events.c.purpose_key == purpose_key, events.c.occurred_at <= at)
        .subquery("ordered")
    )
    return (
        sa.select(ordered)
        .where(
            sa.or_(ordered.c.next_member.is_(None), ordered.c.next_member != ordered.c.member_id)
        )
        .subquery("last")
    )


def _last_event_id(purpose_key: str, at: datetime) -> sa.ScalarSelect[int]:
    """Each member's last decision up to ``at``, one index probe per member (SQLite: it does
    not index a windowed subquery for a join, and a probe reads a few index entries)."""
    f = events.alias("f")
    return (
        sa.select(f.c.consent_event_id)
        .where(
            f.c.purpose_key == purpose_key,
            f.c.member_id == members.c.member_id,
            f.c.occurred_at <= at,
        )
        .order_by(f.c.occurred_at.desc(), f.c.consent_event_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def verdict_query(
    purpose_key: str,
    at: datetime,
    *,
    dialect: str,
    member_ids: Iterable[int] | None = None,
) -> sa.Select[int, str, str | None, str | None, int | None]:
    """member_id, reason, screen_id, version_shown, event_id for every member."""
    at = utc(at)
    last: sa.FromClause
    if dialect == "postgresql":
        last = _last_decisions(purpose_key, at)
        decided = members.outerjoin(last, last.c.member_id == members.c.member_id)
    else:
        last = events
        decided = members.outerjoin(
            events, events.c.consent_event_id == _last_event_id(purpose_key, at)
        )
    intervals = _display_intervals(purpose_key, at)
    return (
        sa.select(
            members.c.member_id,
            sa.case(
                (last.c.consent_event_id.is_(None), Reason.NEVER_ASKED.value),
                (last.c.action == "refuse", Reason.REFUSED.value),
                (last.c.action != "grant", Reason.WITHDRAWN.value),
                (intervals.c.verdict.is_(None), Reason.STALE_SCREEN_VERSION.value),
                else_=intervals.c.verdict,
            ).label("reason"),
            last.c.screen_id,
            intervals.c.version_id.label("version_shown"),
            last.c.consent_event_id,
        )
        .select_from(
            decided.outerjoin(
                intervals,
                sa.and_(
                    intervals.c.screen_id == last.c.screen_id,
                    intervals.c.start_at <= last.c.occurred_at,
                    sa.or_(intervals.c.end_at.is_(None), last.c.occurred_at < intervals.c.end_at),
                ),
            )
        )
        .where(
            members.c.registered_at <= at,
            *([] if member_ids is None else [members.c.member_id.in_(list(member_ids))]),
        )
    )


def _display_intervals(purpose_key: str, at: datetime) -> sa.CTE:
    """Per deployment: from when to when a screen displayed which version, and what a grant
    made on it then is worth for the purpose (a few rows; joined to every decision)."""
    changed_at = (
        sa.select(sa.func.max(versions.c.effective_at))
        .select_from(versions.join(version_purposes))
        .where(
            version_purposes.c.purpose_key == purpose_key,
            version_purposes.c.material.is_(True),
            versions.c.effective_at <= at,
        )
        .scalar_subquery()
    )
    covers = version_purposes.alias("covers")
    verdict = sa.case(
        (covers.c.version_id.is_(None), Reason.STALE_SCREEN_VERSION.value),
        (versions.c.effective_at < changed_at, Reason.NEEDS_RECONSENT.value),
        else_=Reason.VALID.value,
    )
    return (
        sa.select(
            deployments.c.screen_id,
            deployments.c.version_id,
            deployments.c.deployed_at.label("start_at"),
            sa.func.lead(deployments.c.deployed_at)
            .over(
                partition_by=deployments.c.screen_id,
                order_by=(deployments.c.deployed_at, deployments.c.deploy_id),
            )
            .label("end_at"),
            verdict.label("verdict"),
        )
        .select_from(
            deployments.outerjoin(
                covers,
                sa.and_(
                    covers.c.version_id == deployments.c.version_id,
                    covers.c.purpose_key == purpose_key,
                ),
            ).outerjoin(versions, versions.c.version_id == deployments.c.version_id)
        )
        .cte("intervals")
    )


def verdicts(
    conn: Connection, purpose_key: str, at: datetime, member_ids: Iterable[int] | None = None
) -> dict[int, Verdict]:
    """Every member's verdict (or those of ``member_ids``), evaluated in SQL.

    Long id lists are filtered here rather than bound into SQL (SQLite caps the number of
    bound parameters); evaluating everyone costs about as much as a long IN list.
    """
    _check_purpose(conn, purpose_key)
    wanted = None if member_ids is None else set(member_ids)
    bind = wanted if wanted is not None and len(wanted) <= MAX_BOUND_IDS else None
    found: dict[int, Verdict] = {}
    for member_id, reason, screen_id, shown, event_id in conn.execute(
        verdict_query(purpose_key, at, dialect=conn.dialect.name, member_ids=bind)
    ):
        if wanted is not None and member_id not in wanted:
            continue
        found[int(member_id)] = Verdict(
            int(member_id),
            purpose_key,
            Reason(reason),
            screen_id,
            shown,
            None if event_id is None else int(event_id),
        )
    return found


def valid_members(conn: Connection, purpose_key: str, at: datetime) -> frozenset[int]:
    """Members whose consent for the purpose is valid at ``at``."""
    _check_purpose(conn, purpose_key)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    rows = conn.execute(sa.select(sub.c.member_id).where(sub.c.reason == Reason.VALID.value))
    return frozenset(int(m) for m in rows.scalars())


def reason_counts(conn: Connection, purpose_key: str, at: datetime) -> dict[Reason, int]:
    """How many members have each verdict, all counted in the database (no ids fetched)."""
    _check_purpose(conn, purpose_key)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    counts = {r: 0 for r in Reason}
    for reason, count in conn.execute(
        sa.select(sub.c.reason, sa.func.count()).group_by(sub.c.reason)
    ):
        counts[Reason(reason)] = int(count)
    return counts


@dataclass(frozen=True)
class ScreenCount:
    """Members lacking valid consent because of decisions made on one screen."""

    reason: Reason
    screen_id: str
    version_shown: str | None
    members: int


@dataclass(frozen=True)
class CoverageReport:
    purpose_key: str
    at: datetime
    counts: Mapping[Reason, int]
    screens: tuple[ScreenCount, ...]
    # Members lacking valid consent, by reason (sorted ids); valid members are not listed.
    member_ids: Mapping[Reason, tuple[int, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def lacking(self) -> tuple[int, ...]:
        return tuple(sorted(m for ids in self.member_ids.values() for m in ids))

    def as_json(self, *, with_ids: bool) -> dict[str, object]:
        """Plain data for ``--json`` (ids only when asked: they can run to millions)."""
        payload: dict[str, object] = {
            "purpose": self.purpose_key,
            "as_of": self.at.isoformat(),
            "total": self.total,
            "counts": {r.value: self.counts.get(r, 0) for r in Reason},
            "labels": {r.value: REASON_INFO[r].label_en for r in Reason},
            "screens": [
                {
                    "reason": s.reason.value,
                    "screen_id": s.screen_id,
                    "version_shown": s.version_shown,
                    "members": s.members,
                }
                for s in self.screens
            ],
        }
        if with_ids:
            payload["member_ids"] = {r.value: list(ids) for r, ids in self.member_ids.items()}
        return payload


def coverage(conn: Connection, purpose_key: str, at: datetime) -> CoverageReport:
    """Counts by reason, the screens responsible and the ids of members lacking consent."""
    _check_purpose(conn, purpose_key)
    at = utc(at)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    population = conn.execute(
        sa.select(sa.func.count()).select_from(members).where(members.c.registered_at <= at)
    ).scalar_one()
    ids: dict[Reason, list[int]] = {}
    per_screen: dict[tuple[Reason, str, str | None], int] = {}
    lacking = sa.select(sub.c.member_id, sub.c.reason, sub.c.screen_id, sub.c.version_shown).where(
        sub.c.reason != Reason.VALID.value
    )
    for member_id, reason, screen_id, shown in conn.execute(lacking):
        why = Reason(reason)
        ids.setdefault(why, []).append(int(member_id))
        if screen_id is not None:
            key = (why, screen_id, shown)
            per_screen[key] = per_screen.get(key, 0) + 1
    counts = {r: len(ids.get(r, ())) for r in Reason}
    counts[Reason.VALID] = int(population) - sum(counts.values())
    screens = tuple(
        ScreenCount(r, s, v, n)
        for (r, s, v), n in sorted(per_screen.items(), key=lambda kv: (-kv[1], kv[0][1]))
    )
    return CoverageReport(
        purpose_key,
        at,
        counts,
        screens,
        {r: tuple(sorted(v)) for r, v in ids.items()},
    )


def write_ids(report: CoverageReport, path: Path) -> int:
    """Write ``member_id,reason`` lines for every member lacking consent; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted((m, r.value) for r, ids in report.member_ids.items() for m in ids)
    with path.open("w", encoding="utf-8") as out:
        out.write("member_id,reason\n")
        out.writelines(f"{m},{r}\n" for m, r in rows)
    return len(rows)


def _check_purpose(conn: Connection, purpose_key: str) -> None:
    if purpose_key not in load_purposes(conn):
        raise InputError(f"unknown purpose {purpose_key!r}")
