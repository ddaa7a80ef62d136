"""The privacy-budget odometer in the ledger: caps and spends as append-only entries.

``gov_budget_entries`` holds every cap (with its reason) and spend; ``gov_budgets`` holds
one row per (employer, season) that exists to be locked. ``rel_member_odometer`` holds one
row per (member, season): the ε spent on releases that used the member's data.

Concurrency: the check and the spend happen in the release's transaction while it holds
the budget row — ``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock that the
ledger engine takes at ``BEGIN IMMEDIATE`` on SQLite — so simultaneous releases are
serialised and never overspend together. The member rows are locked the same way, in
member order (so two releases sharing members never deadlock), after the employer's row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata
from fairfollow.release.budget import (
    DEFAULT_SEASON_CAP,
    Budget,
    EntryKind,
    check_cap,
    check_spend,
)

budgets = sa.Table(
    "gov_budgets",
    metadata,
    sa.Column("employer", sa.String(64), primary_key=True),
    sa.Column("season", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
budget_entries = sa.Table(
    "gov_budget_entries",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("employer", sa.String(64), nullable=False),
    sa.Column("season", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("epsilon", sa.Float, nullable=False),
    sa.Column("decision_id", sa.Integer, nullable=True),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("ix_gov_budget_entries_employer", "employer", "season"),
)
member_odometer = sa.Table(
    "rel_member_odometer",
    metadata,
    sa.Column("member_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("season", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("spent", sa.Float, nullable=False),
    sa.Column("releases", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)


def lock_budget(conn: Connection, employer: str, season: int, at: datetime) -> None:
    """Create the budget's row if needed and hold it until the transaction ends."""
    values = {"employer": employer, "season": season, "created_at": at}
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(budgets).values(**values).on_conflict_do_nothing())
        conn.execute(
            sa.select(budgets.c.employer)
            .where(budgets.c.employer == employer, budgets.c.season == season)
            .with_for_update()
        )
    else:  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        conn.execute(sqlite.insert(budgets).values(**values).on_conflict_do_nothing())


def budget(conn: Connection, employer: str, season: int) -> Budget:
    """The odometer now: the latest cap (or the default) and the sum of spends."""
    e = budget_entries.c
    scope = (e.employer == employer, e.season == season)
    cap = conn.execute(
        sa.select(e.epsilon)
        .where(*scope, e.kind == EntryKind.CAP.value)
        .order_by(e.entry_id.desc())
        .limit(1)
    ).scalar()
    spent, count = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(e.epsilon), 0.0), sa.func.count()).where(
            *scope, e.kind == EntryKind.SPEND.value
        )
    ).one()
    return Budget(
        employer,
        season,
        DEFAULT_SEASON_CAP if cap is None else float(cap),
        float(spent),
        int(count),
    )


def set_cap(
    conn: Connection,
    employer: str,
    season: int,
    cap: float,
    *,
    actor: Actor,
    at: datetime,
    reason: str = "",
) -> Budget:
    """Set the season's cap; it can never go below what is already spent. The ceiling and
    the reason for a raise are checked by :mod:`fairfollow.release.cap`, the one caller
    outside tests and the bench."""
    check_cap(employer, season, cap, 0.0)
    lock_budget(conn, employer, season, at)
    check_cap(employer, season, cap, budget(conn, employer, season).spent)
    conn.execute(
        budget_entries.insert().values(
            employer=employer,
            season=season,
            kind=EntryKind.CAP.value,
            epsilon=cap,
            actor=actor,
            at=at,
            reason=reason or None,
        )
    )
    return budget(conn, employer, season)


def spend(
    conn: Connection,
    employer: str,
    season: int,
    epsilon: float,
    *,
    decision_id: int,
    actor: Actor,
    at: datetime,
) -> Budget:
    """Charge ``epsilon``; the caller holds the lock and has checked :meth:`Budget.allows`
    (checked again here: an overspend is a broken invariant, not a refusal)."""
    check_spend(budget(conn, employer, season), epsilon)
    conn.execute(
        budget_entries.insert().values(
            employer=employer,
            season=season,
            kind=EntryKind.SPEND.value,
            epsilon=epsilon,
            decision_id=decision_id,
            actor=actor,
            at=at,
        )
    )
    return budget(conn, employer, season)


def budgets_of(conn: Connection, employer: str | None = None) -> list[Budget]:
    """Every budget that has an entry or a row, optionally for one employer."""
    keys = sa.union(
        sa.select(budgets.c.employer, budgets.c.season),
        sa.select(budget_entries.c.employer, budget_entries.c.season),
    ).subquery()
    query = sa.select(keys.c.employer, keys.c.season).order_by(keys.c.employer, keys.c.season)
    if employer is not None:
        query = query.where(keys.c.employer == employer)
    return [budget(conn, e, int(s)) for e, s in conn.execute(query)]


def lock_members(
    conn: Connection, season: int, members: Sequence[int], at: datetime
) -> dict[int, float]:
    """Create the members' odometer rows if needed, hold them (in member order) until the
    transaction ends, and return each member's ε spent this season."""
    wanted = sorted(set(members))
    if not wanted:
        return {}
    rows = [
        {"member_id": m, "season": season, "spent": 0.0, "releases": 0, "updated_at": at}
        for m in wanted
    ]
    o = member_odometer.c
    spent: dict[int, float] = {}
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        ids = [r["member_id"] for r in chunk]
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(member_odometer).on_conflict_do_nothing(), chunk)
            query = (
                sa.select(o.member_id, o.spent)
                .where(o.season == season, o.member_id.in_(ids))
                .order_by(o.member_id)
                .with_for_update()
            )
        else:  # SQLite: the database write lock is already held
            conn.execute(sqlite.insert(member_odometer).on_conflict_do_nothing(), chunk)
            query = sa.select(o.member_id, o.spent).where(o.season == season, o.member_id.in_(ids))
        spent.update({int(m): float(v) for m, v in conn.execute(query)})
    return spent


def charge_members(
    conn: Connection, season: int, members: Sequence[int], epsilon: float, at: datetime
) -> None:
    """Add ``epsilon`` to each member's odometer (rows locked by :func:`lock_members`)."""
    o = member_odometer.c
    wanted = sorted(set(members))
    for start in range(0, len(wanted), 500):
        conn.execute(
            member_odometer.update()
            .where(o.season == season, o.member_id.in_(wanted[start : start + 500]))
            .values(spent=o.spent + epsilon, releases=o.releases + 1, updated_at=at)
        )


def member_spent(conn: Connection, season: int, members: Sequence[int]) -> Mapping[int, float]:
    """Each named member's ε spent this season (members never used are absent)."""
    o = member_odometer.c
    query = sa.select(o.member_id, o.spent).where(
        o.season == season, o.member_id.in_(sorted(set(members)))
    )
    return {int(m): float(v) for m, v in conn.execute(query)}


def member_odometers(conn: Connection) -> dict[tuple[int, int], tuple[float, int]]:
    """Every member odometer row: (member, season) → (ε spent, releases)."""
    o = member_odometer.c
    rows = conn.execute(sa.select(o.member_id, o.season, o.spent, o.releases))
    return {(int(m), int(s)): (float(v), int(n)) for m, s, v, n in rows}


def forget_member(conn: Connection, member_id: int) -> int:
    """Delete the member's ε odometer rows (erasure): privacy accounting of a person no
    longer here, not a record the law keeps; returns the rows deleted."""
    result = conn.execute(member_odometer.delete().where(member_odometer.c.member_id == member_id))
    return int(result.rowcount or 0)
