"""Ledger tables of the governance layer: service versions, workflow events, roles, the
committee's quorum (decision records live in
:mod:`fairfollow.records.decision_store`). All append-only (migration ``gov_0001``).

- ``gov_services``: one row per service, locked while a workflow command runs on it;
- ``gov_service_versions``: every declaration, as canonical JSON with its SHA-256;
- ``gov_workflow_events``: typed events (:class:`~fairfollow.services.approval.WorkflowEvent`);
- ``gov_committee_events``: the reviewer quorum as set over time (by an administrator's
  account; roles themselves live in :mod:`fairfollow.accounts.store`);
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata
from fairfollow.services.approval import (
    EventKind,
    ServiceState,
    WorkflowConfig,
    WorkflowEvent,
    fold,
)
from fairfollow.services.registry import ServiceSpec, spec_from_json

services = sa.Table(
    "gov_services",
    metadata,
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
service_versions = sa.Table(
    "gov_service_versions",
    metadata,
    sa.Column("service_id", sa.ForeignKey("gov_services.service_id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("spec_sha256", sa.String(64), nullable=False),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("registered_by", ActorColumn, nullable=False),
    sa.Column("registered_at", UtcDateTime, nullable=False),
)
workflow_events = sa.Table(
    "gov_workflow_events",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.ForeignKey("gov_services.service_id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(48), nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("citations", sa.Text, nullable=False),
    sa.Index("ix_gov_workflow_events_service", "service_id", "event_id"),
)
committee_events = sa.Table(
    "gov_committee_events",
    metadata,
    sa.Column("committee_event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("quorum", sa.Integer, nullable=False),
    sa.Column("by", ActorColumn, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


def lock_service(conn: Connection, service_id: str) -> bool:
    """Lock the service's row for this transaction; False if the service is unknown."""
    query = sa.select(services.c.service_id).where(services.c.service_id == service_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def latest_version(conn: Connection, service_id: str) -> int:
    found = conn.execute(
        sa.select(sa.func.max(service_versions.c.version)).where(
            service_versions.c.service_id == service_id
        )
    ).scalar()
    return int(found or 0)


def add_version(conn: Connection, spec: ServiceSpec, *, actor: Actor, at: datetime) -> int:
    """Store a new version of the declaration; returns its number (1 for a new service)."""
    if not lock_service(conn, spec.service_id):
        conn.execute(services.insert().values(service_id=spec.service_id, created_at=at))
    version = latest_version(conn, spec.service_id) + 1
    conn.execute(
        service_versions.insert().values(
            service_id=spec.service_id,
            version=version,
            spec=spec.canonical().decode("utf-8"),
            spec_sha256=spec.digest(),
            owner=spec.owner,
            registered_by=actor,
            registered_at=at,
        )
    )
    return version


def load_spec(conn: Connection, service_id: str, version: int | None = None) -> ServiceSpec:
    """A stored declaration (the latest when ``version`` is None)."""
    query = sa.select(service_versions.c.spec).where(service_versions.c.service_id == service_id)
    if version is None:
        query = query.order_by(service_versions.c.version.desc()).limit(1)
    else:
        query = query.where(service_versions.c.version == version)
    text = conn.execute(query).scalar()
    if text is None:
        raise GovernanceError("services.service_unknown", service=service_id)
    return spec_from_json(text)


def append_events(conn: Connection, events: list[WorkflowEvent]) -> None:
    if events:
        conn.execute(
            workflow_events.insert(),
            [
                {
                    "service_id": e.service_id,
                    "version": e.version,
                    "kind": e.kind.value,
                    "actor": e.actor,
                    "at": e.at,
                    "reason": e.reason,
                    "fields": json.dumps(list(e.fields)),
                    "citations": json.dumps(list(e.citations), ensure_ascii=False),
                }
                for e in events
            ],
        )


def load_events(conn: Connection, service_id: str) -> list[WorkflowEvent]:
    rows = conn.execute(
        sa.select(workflow_events)
        .where(workflow_events.c.service_id == service_id)
        .order_by(workflow_events.c.event_id)
    )
    return [
        WorkflowEvent(
            r.service_id,
            int(r.version),
            EventKind(r.kind),
            r.actor,
            r.at,
            r.reason,
            tuple(json.loads(r.fields)),
            tuple(json.loads(r.citations)),
            int(r.event_id),
        )
        for r in rows
    ]


def service_state(conn: Connection, service_id: str) -> ServiceState:
    """The service's current state, folded from its events."""
    row = conn.execute(
        sa.select(service_versions.c.owner, service_versions.c.registered_by)
        .where(service_versions.c.service_id == service_id)
        .order_by(service_versions.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise GovernanceError("services.service_unknown", service=service_id)
    return fold(service_id, row.owner, row.registered_by, load_events(conn, service_id))


def list_services(conn: Connection) -> list[str]:
    return list(conn.execute(sa.select(services.c.service_id).order_by("service_id")).scalars())


def set_quorum(conn: Connection, quorum: int, *, by: Actor, at: datetime) -> WorkflowConfig:
    config = WorkflowConfig(quorum=quorum)
    conn.execute(committee_events.insert().values(quorum=quorum, by=by, at=at))
    return config


def workflow_config(conn: Connection) -> WorkflowConfig:
    """The committee's configuration: the latest quorum set, else the default."""
    quorum = conn.execute(
        sa.select(committee_events.c.quorum)
        .order_by(committee_events.c.committee_event_id.desc())
        .limit(1)
    ).scalar()
    return WorkflowConfig() if quorum is None else WorkflowConfig(quorum=int(quorum))
