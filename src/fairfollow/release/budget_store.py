"""The privacy-budget odometer in the ledger: caps and spends as append-only entries.

``gov_budget_entries`` holds every cap and spend; ``gov_budgets`` holds one row per
(employer, season) that exists to be locked.

Concurrency: the check and the spend happen in the release's transaction while it holds
the budget row — ``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock that the
ledger engine takes at ``BEGIN IMMEDIATE`` on SQLite — so simultaneous releases are
serialised and never overspend together.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from fairfollow.ledger.columns import UtcDateTime
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
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_gov_budget_entries_employer", "employer", "season"),
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
    conn: Connection, employer: str, season: int, cap: float, *, actor: str, at: datetime
) -> Budget:
    """Set the season's cap; it can never go below what is already spent."""
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
    actor: str,
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
