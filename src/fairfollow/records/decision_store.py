"""The decision records: one row per request decided (service review, release, intake,
records purge), with every rule's outcome and citation as JSON (table ``gov_decisions``,
append-only; migration ``gov_0001``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

decisions = sa.Table(
    "gov_decisions",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request", sa.String(32), nullable=False),
    sa.Column("service_id", sa.String(64), nullable=True),
    sa.Column("service_version", sa.Integer, nullable=True),
    sa.Column("employer", sa.String(64), nullable=True),
    sa.Column("season", sa.Integer, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(48), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_gov_decisions_employer", "employer", "season"),
)


@dataclass(frozen=True)
class DecisionRecord:
    """A decision on one request, as the ledger keeps it (``rules`` and ``detail`` JSON)."""

    request: str
    outcome: str
    reason: str
    actor: Actor
    at: datetime
    rules: str = "[]"
    detail: str = "{}"
    service_id: str | None = None
    service_version: int | None = None
    employer: str | None = None
    season: int | None = None
    decision_id: int = 0


def record_decision(conn: Connection, record: DecisionRecord) -> int:
    values = {
        "request": record.request,
        "service_id": record.service_id,
        "service_version": record.service_version,
        "employer": record.employer,
        "season": record.season,
        "outcome": record.outcome,
        "reason": record.reason,
        "detail": record.detail,
        "rules": record.rules,
        "actor": record.actor,
        "at": record.at,
    }
    key = conn.execute(decisions.insert().values(**values)).inserted_primary_key
    if key is None:
        raise GovernanceError("records.decision_not_stored")
    return int(key[0])


def load_decisions(
    conn: Connection, *, employer: str | None = None, request: str | None = None
) -> list[DecisionRecord]:
    query = sa.select(decisions).order_by(decisions.c.decision_id)
    if employer is not None:
        query = query.where(decisions.c.employer == employer)
    if request is not None:
        query = query.where(decisions.c.request == request)
    return [
        DecisionRecord(
            r.request,
            r.outcome,
            r.reason,
            r.actor,
            r.at,
            r.rules,
            r.detail,
            r.service_id,
            r.service_version,
            r.employer,
            r.season,
            int(r.decision_id),
        )
        for r in conn.execute(query)
    ]
