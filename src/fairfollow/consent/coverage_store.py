"""The consent verdict in SQL: the validity rule of :mod:`fairfollow.consent.validity` for all
members at once.

One SQL statement, the same on SQLite and PostgreSQL, gives each member's verdict for one
purpose at one instant:

* ``latest``: each member's last decision for the purpose at or before *t* (window function
  over the covering index; ties by event id);
* ``shown``: the deployment interval of the decision's screen that contains the decision's
  instant (a deployment at *t* applies to an event at *t*), hence the version displayed;
* whether that version covers the purpose, and whether a material change to the purpose
  effective at or before *t* came in a later version.

The population is every member registered at or before *t*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.policy_store import deployments, load_purposes, version_purposes, versions
from fairfollow.consent.store import events, members
from fairfollow.consent.validity import Reason, Verdict
from fairfollow.errors import InputError
from fairfollow.instants import utc

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

    A member's verdict depends on their own decisions only, so a long id list may be split.
    On SQLite it is bound in chunks of :data:`MAX_BOUND_IDS` (SQLite caps the number of
    bound parameters): each member is one index probe there, so the cost follows the list,
    not the whole population. On PostgreSQL the window over every decision is computed
    whatever the list, so a long one is filtered here after evaluating everyone once.
    """
    check_purpose(conn, purpose_key)
    wanted = None if member_ids is None else set(member_ids)
    batches: list[list[int] | None]
    if wanted is None:
        batches = [None]
    elif len(wanted) <= MAX_BOUND_IDS:
        batches = [sorted(wanted)]
    elif conn.dialect.name == "sqlite":
        ordered = sorted(wanted)
        batches = [
            ordered[start : start + MAX_BOUND_IDS]
            for start in range(0, len(ordered), MAX_BOUND_IDS)
        ]
    else:
        batches = [None]
    found: dict[int, Verdict] = {}
    for bind in batches:
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
    check_purpose(conn, purpose_key)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    rows = conn.execute(sa.select(sub.c.member_id).where(sub.c.reason == Reason.VALID.value))
    return frozenset(int(m) for m in rows.scalars())


def reason_counts(conn: Connection, purpose_key: str, at: datetime) -> dict[Reason, int]:
    """How many members have each verdict, all counted in the database (no ids fetched)."""
    check_purpose(conn, purpose_key)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    counts = {r: 0 for r in Reason}
    for reason, count in conn.execute(
        sa.select(sub.c.reason, sa.func.count()).group_by(sub.c.reason)
    ):
        counts[Reason(reason)] = int(count)
    return counts


@dataclass(frozen=True)
class LackingRow:
    """One member without valid consent, and the decision (if any) that explains why."""

    member_id: int
    reason: Reason
    screen_id: str | None
    version_shown: str | None


def lacking(conn: Connection, purpose_key: str, at: datetime) -> tuple[int, list[LackingRow]]:
    """The population registered at ``at`` and every member in it lacking valid consent."""
    check_purpose(conn, purpose_key)
    sub = verdict_query(purpose_key, at, dialect=conn.dialect.name).subquery()
    population = conn.execute(
        sa.select(sa.func.count()).select_from(members).where(members.c.registered_at <= at)
    ).scalar_one()
    query = sa.select(sub.c.member_id, sub.c.reason, sub.c.screen_id, sub.c.version_shown).where(
        sub.c.reason != Reason.VALID.value
    )
    rows = [
        LackingRow(int(member_id), Reason(reason), screen_id, shown)
        for member_id, reason, screen_id, shown in conn.execute(query)
    ]
    return int(population), rows


def check_purpose(conn: Connection, purpose_key: str) -> None:
    if purpose_key not in load_purposes(conn):
        raise InputError("consent.purpose_unknown", purpose=purpose_key)
