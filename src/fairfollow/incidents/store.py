"""The ledger tables of the incident register and their SQL (append-only; migration
``inc_0001``): one row per incident recorded, one per report or notice filed."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.errors import InputError
from fairfollow.incidents.incident import Incident, IncidentInput, Report
from fairfollow.law.incidents import Duty, IncidentFacts
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

incidents = sa.Table(
    "inc_incidents",
    metadata,
    sa.Column("incident_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("discovered_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("recorded_by", ActorColumn, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("eu_persons", sa.Integer, nullable=False),
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("flags", sa.Text, nullable=False),
    sa.Column("leaf_index", sa.Integer, nullable=False),
)
reports = sa.Table(
    "inc_reports",
    metadata,
    sa.Column("report_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "incident_id", sa.Integer, sa.ForeignKey("inc_incidents.incident_id"), nullable=False
    ),
    sa.Column("duty", sa.String(32), nullable=False),
    sa.Column("filed_at", UtcDateTime, nullable=False),
    sa.Column("logged_at", UtcDateTime, nullable=False),
    sa.Column("filed_by", ActorColumn, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("leaf_index", sa.Integer, nullable=False),
    sa.Index("ix_inc_reports_incident", "incident_id"),
)

FLAGS = (
    "special_care",
    "financial_loss",
    "unlawful_purpose",
    "acquisition",
    "encrypted",
    "pseudonymised",
)


def next_id(conn: Connection) -> int:
    found = conn.execute(sa.select(sa.func.max(incidents.c.incident_id))).scalar()
    return int(found or 0) + 1


def insert_incident(
    conn: Connection,
    incident_id: int,
    given: IncidentInput,
    at: datetime,
    by: Actor,
    leaf_index: int,
) -> None:
    facts = given.facts
    conn.execute(
        incidents.insert().values(
            incident_id=incident_id,
            discovered_at=facts.discovered_at,
            recorded_at=at,
            recorded_by=by,
            summary=given.summary,
            cause=given.cause,
            persons=facts.persons,
            eu_persons=facts.eu_persons,
            categories=json.dumps(list(facts.categories), ensure_ascii=False),
            flags=json.dumps(sorted(f for f in FLAGS if getattr(facts, f))),
            leaf_index=leaf_index,
        )
    )


def insert_report(conn: Connection, report: Report) -> int:
    key = conn.execute(
        reports.insert().values(
            incident_id=report.incident_id,
            duty=report.duty.value,
            filed_at=report.filed_at,
            logged_at=report.logged_at,
            filed_by=report.filed_by,
            reference=report.reference,
            leaf_index=report.leaf_index,
        )
    ).inserted_primary_key
    return int(key[0]) if key else 0


def _reports(conn: Connection, incident_id: int | None) -> dict[int, list[Report]]:
    query = sa.select(reports).order_by(reports.c.report_id)
    if incident_id is not None:
        query = query.where(reports.c.incident_id == incident_id)
    found: dict[int, list[Report]] = {}
    for row in conn.execute(query).mappings():
        found.setdefault(row["incident_id"], []).append(
            Report(
                row["report_id"],
                row["incident_id"],
                Duty(row["duty"]),
                row["filed_at"],
                row["logged_at"],
                row["filed_by"],
                row["reference"],
                row["leaf_index"],
            )
        )
    return found


def load_incidents(conn: Connection, incident_id: int | None = None) -> tuple[Incident, ...]:
    query = sa.select(incidents).order_by(incidents.c.incident_id)
    if incident_id is not None:
        query = query.where(incidents.c.incident_id == incident_id)
    filed = _reports(conn, incident_id)
    out = []
    for row in conn.execute(query).mappings():
        flags = set(json.loads(row["flags"]))
        facts = IncidentFacts(
            discovered_at=row["discovered_at"],
            persons=row["persons"],
            categories=tuple(json.loads(row["categories"])),
            eu_persons=row["eu_persons"],
            **{flag: flag in flags for flag in FLAGS},
        )
        out.append(
            Incident(
                row["incident_id"],
                IncidentInput(facts, row["summary"], row["cause"]),
                row["recorded_at"],
                row["recorded_by"],
                row["leaf_index"],
                tuple(filed.get(row["incident_id"], ())),
            )
        )
    return tuple(out)


def load_incident(conn: Connection, incident_id: int) -> Incident:
    found = load_incidents(conn, incident_id)
    if not found:
        raise InputError("incidents.unknown", incident=incident_id)
    return found[0]
