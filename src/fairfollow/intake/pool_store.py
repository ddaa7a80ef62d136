"""Employers' offer pools in the ledger: intakes, their quarantined lines, matched offers.

An intake is one uploaded list. Its rejected lines are kept with line, column and rule
(``gov_intake_quarantine``: nothing is dropped silently); its offers are kept with the
member each matched and how (``gov_pool_offers``). Only rows that carry an offer are kept:
an applicant without an offer is in no pool, so keeping them would serve no purpose
(ESA Art. 5-5). The employer's own applicant ID is never stored in clear, only as a keyed
hash (HMAC) — still personal data, and never sent back to anyone.

The pool a release forecasts is the offers of the employer's latest intake for the season.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

MATCHED = "matched"  # member found and their consent covers combining the list with browsing
REFUSED = "refused"  # member found, consent does not cover the combination: base rate only
UNMATCHED = "unmatched"  # no member, or more than one
ERASED = "erased"  # the reason an offer lost its member: the member was erased


intakes = sa.Table(
    "gov_intakes",
    metadata,
    sa.Column("intake_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("employer", sa.String(64), nullable=False),
    sa.Column("season", sa.Integer, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("encoding", sa.String(16), nullable=False),
    sa.Column("keyed_by", sa.String(32), nullable=False),
    sa.Column("confirmation_id", sa.Integer, nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_quarantined", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_gov_intakes_employer", "employer", "season"),
)
intake_quarantine = sa.Table(
    "gov_intake_quarantine",
    metadata,
    sa.Column("intake_id", sa.ForeignKey("gov_intakes.intake_id"), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("column_name", sa.String(64), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("cells", sa.Text, nullable=False),
)
pool_offers = sa.Table(
    "gov_pool_offers",
    metadata,
    sa.Column("intake_id", sa.ForeignKey("gov_intakes.intake_id"), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applicant_key", sa.String(64), nullable=False),
    sa.Column("member_id", sa.BigInteger, nullable=True),
    sa.Column("offer_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(48), nullable=False),
)


@dataclass(frozen=True)
class PoolOffer:
    line: int
    applicant_key: str  # HMAC of the employer's applicant id: a pseudonym, personal data
    member_id: int | None
    offer_date: date
    status: str
    reason: str


@dataclass(frozen=True)
class QuarantinedLine:
    line: int
    column: str
    rule: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class IntakeRecord:
    employer: str
    season: int
    file_name: str
    file_sha256: str
    encoding: str
    keyed_by: str  # "identity" (names, e-mail, birth date) or "applicant_id"
    confirmation_id: int
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    report: str  # JSON of the match report
    actor: Actor
    at: datetime
    intake_id: int = 0


@dataclass(frozen=True)
class Pool:
    """The offers a release for (employer, season) forecasts."""

    intake: IntakeRecord
    offers: tuple[PoolOffer, ...]

    @property
    def member_offers(self) -> tuple[PoolOffer, ...]:
        return tuple(o for o in self.offers if o.member_id is not None)


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def record_intake(
    conn: Connection,
    record: IntakeRecord,
    offers: Sequence[PoolOffer],
    quarantined: Sequence[QuarantinedLine],
) -> int:
    values = {k: v for k, v in record.__dict__.items() if k != "intake_id"}
    key = conn.execute(intakes.insert().values(**values)).inserted_primary_key
    if key is None:
        raise GovernanceError("intake.record_not_stored")
    intake_id = int(key[0])
    _insert(
        conn,
        intake_quarantine,
        [
            {
                "intake_id": intake_id,
                "line": q.line,
                "column_name": q.column,
                "rule": q.rule,
                "cells": json.dumps(list(q.cells), ensure_ascii=False),
            }
            for q in quarantined
        ],
    )
    _insert(
        conn,
        pool_offers,
        [
            {
                "intake_id": intake_id,
                "line": o.line,
                "applicant_key": o.applicant_key,
                "member_id": o.member_id,
                "offer_date": o.offer_date,
                "status": o.status,
                "reason": o.reason,
            }
            for o in offers
        ],
    )
    return intake_id


def _intake(r: sa.Row[tuple[object, ...]]) -> IntakeRecord:
    m = dict(r._mapping)
    m["intake_id"] = int(m["intake_id"])
    return IntakeRecord(**m)


def latest_intake(conn: Connection, employer: str, season: int) -> IntakeRecord | None:
    row = conn.execute(
        sa.select(intakes)
        .where(intakes.c.employer == employer, intakes.c.season == season)
        .order_by(intakes.c.intake_id.desc())
        .limit(1)
    ).first()
    return None if row is None else _intake(row)


def load_pool(conn: Connection, employer: str, season: int) -> Pool | None:
    """The employer's pool for the season (its latest intake), or None if it sent none."""
    intake = latest_intake(conn, employer, season)
    if intake is None:
        return None
    rows = conn.execute(
        sa.select(pool_offers)
        .where(pool_offers.c.intake_id == intake.intake_id)
        .order_by(pool_offers.c.line)
    )
    offers = tuple(
        PoolOffer(
            int(r.line),
            r.applicant_key,
            None if r.member_id is None else int(r.member_id),
            r.offer_date,
            r.status,
            r.reason,
        )
        for r in rows
    )
    return Pool(intake, offers)


def quarantine_of(conn: Connection, intake_id: int) -> list[QuarantinedLine]:
    rows = conn.execute(
        sa.select(intake_quarantine)
        .where(intake_quarantine.c.intake_id == intake_id)
        .order_by(intake_quarantine.c.line)
    )
    return [
        QuarantinedLine(int(r.line), r.column_name, r.rule, tuple(json.loads(r.cells)))
        for r in rows
    ]


def intakes_of(conn: Connection, employer: str | None = None) -> list[IntakeRecord]:
    query = sa.select(intakes).order_by(intakes.c.intake_id)
    if employer is not None:
        query = query.where(intakes.c.employer == employer)
    return [_intake(r) for r in conn.execute(query)]


def forget_member(conn: Connection, member_id: int) -> int:
    """Unlink the member from every pool (erasure): the offer stays, unmatched, reason
    ``erased``; returns the offers unlinked."""
    result = conn.execute(
        pool_offers.update()
        .where(pool_offers.c.member_id == member_id)
        .values(member_id=None, status=UNMATCHED, reason=ERASED)
    )
    return int(result.rowcount or 0)
