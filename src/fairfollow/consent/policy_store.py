"""Ledger tables for purposes, policy versions, screens and deployments, and their writes.

Every table is append-only: a version's status is the last of its status events, a screen's
display is its last deployment. Writes that read before they write (status changes,
deployments, activation in :mod:`fairfollow.consent.activation_store`) take the policy lock first:
SQLite already holds the write lock from BEGIN IMMEDIATE; PostgreSQL takes an advisory lock.

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.consent.leaf import LeafHook, deployment_leaf
from fairfollow.consent.policy import (
    Deployment,
    PolicyStatus,
    PolicyVersion,
    Purpose,
    Screen,
    StatusEvent,
    check_transition,
    current_status,
    displayed_versions,
)
from fairfollow.errors import InputError
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

_POLICY_LOCK = 27_560  # any constant: one advisory lock serialises policy changes on PostgreSQL


purposes = sa.Table(
    "consent_purposes",
    metadata,
    sa.Column("purpose_key", sa.String(64), primary_key=True),
    sa.Column("name_ja", sa.Text, nullable=False),
    sa.Column("name_en", sa.Text, nullable=False),
    sa.Column("description_ja", sa.Text, nullable=False),
    sa.Column("description_en", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("recipient_class", sa.Text, nullable=False),
    sa.Column("dpv_term", sa.String(128), nullable=False),
)

versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("version_id", sa.String(64), primary_key=True),
    sa.Column("effective_at", UtcDateTime, nullable=False),
    sa.Column("text_ja", sa.Text, nullable=False),
    sa.Column("text_en", sa.Text, nullable=False),
)

version_purposes = sa.Table(
    "policy_version_purposes",
    metadata,
    sa.Column("version_id", sa.ForeignKey("policy_versions.version_id"), primary_key=True),
    sa.Column("purpose_key", sa.ForeignKey("consent_purposes.purpose_key"), primary_key=True),
    sa.Column("material", sa.Boolean, nullable=False),
)

status_events = sa.Table(
    "policy_status_events",
    metadata,
    sa.Column("status_event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version_id", sa.ForeignKey("policy_versions.version_id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("forced", sa.Boolean, nullable=False),
)

screens = sa.Table(
    "consent_screens",
    metadata,
    sa.Column("screen_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("description_ja", sa.Text, nullable=False),
    sa.Column("description_en", sa.Text, nullable=False),
)

deployments = sa.Table(
    "screen_deployments",
    metadata,
    sa.Column("deploy_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("screen_id", sa.ForeignKey("consent_screens.screen_id"), nullable=False),
    sa.Column("version_id", sa.ForeignKey("policy_versions.version_id"), nullable=True),
    sa.Column("deployed_at", UtcDateTime, nullable=False),
    sa.Index("ix_screen_deployments_screen_at", "screen_id", "deployed_at"),
)


def lock_policy(conn: Connection) -> None:
    """Serialise policy changes (SQLite already holds the write lock from BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_POLICY_LOCK)))


def _insert_new(conn: Connection, table: sa.Table, key: str, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows whose ``key`` is new; a known key must carry identical values."""
    if not rows:
        return 0
    column = table.c[key]
    known = {
        row._mapping[key]: dict(row._mapping)
        for row in conn.execute(sa.select(table).where(column.in_([r[key] for r in rows])))
    }
    fresh = []
    for row in rows:
        old = known.get(row[key])
        if old is None:
            fresh.append(row)
        elif any(old[name] != value for name, value in row.items()):
            raise InputError("consent.recorded_differently", table=table.name, key=str(row[key]))
    if fresh:
        conn.execute(table.insert(), fresh)
    return len(fresh)


def add_purposes(conn: Connection, items: Iterable[Purpose]) -> int:
    """Record purposes (idempotent; a purpose, once recorded, never changes)."""
    rows = [
        {
            "purpose_key": p.key,
            "name_ja": p.name_ja,
            "name_en": p.name_en,
            "description_ja": p.description_ja,
            "description_en": p.description_en,
            "output": p.output,
            "recipient_class": p.recipient_class,
            "dpv_term": p.dpv_term,
        }
        for p in items
    ]
    return _insert_new(conn, purposes, "purpose_key", rows)


def add_screens(conn: Connection, items: Iterable[Screen]) -> int:
    rows = [
        {
            "screen_id": s.screen_id,
            "channel": s.channel,
            "description_ja": s.description_ja,
            "description_en": s.description_en,
        }
        for s in items
    ]
    return _insert_new(conn, screens, "screen_id", rows)


def add_version(conn: Connection, version: PolicyVersion, *, at: datetime, actor: Actor) -> bool:
    """Record a version as a draft; False if it is already recorded identically."""
    row = {
        "version_id": version.version_id,
        "effective_at": version.effective_at,
        "text_ja": version.text_ja,
        "text_en": version.text_en,
    }
    if not _insert_new(conn, versions, "version_id", [row]):
        if load_versions(conn)[version.version_id] != version:
            raise InputError("consent.version_purposes_differ", version=version.version_id)
        return False
    conn.execute(
        version_purposes.insert(),
        [
            {
                "version_id": version.version_id,
                "purpose_key": key,
                "material": key in version.material_changes,
            }
            for key in sorted(version.purposes)
        ],
    )
    append_status(conn, StatusEvent(version.version_id, PolicyStatus.DRAFT, at, actor))
    return True


def append_status(conn: Connection, event: StatusEvent) -> None:
    conn.execute(
        status_events.insert().values(
            version_id=event.version_id,
            status=event.status.value,
            at=event.at,
            actor=event.actor,
            reason=event.reason,
            forced=event.forced,
        )
    )


def set_status(conn: Connection, event: StatusEvent) -> None:
    """Record a transition other than activation (approve, retire); refuse an illegal one."""
    if event.status is PolicyStatus.ACTIVE:
        raise InputError("consent.activation_required", version=event.version_id)
    lock_policy(conn)
    current = status_of(conn, event.version_id)
    if check_transition(current, event.status):
        if current is None:
            raise InputError("consent.version_not_drafted", version=event.version_id)
        raise InputError(
            "consent.transition_refused",
            version=event.version_id,
            current=current,
            target=event.status,
        )
    append_status(conn, event)


def deploy(
    conn: Connection,
    screen_id: str,
    version_id: str | None,
    at: datetime,
    on_leaf: LeafHook | None = None,
) -> Deployment:
    """Record that ``screen_id`` displays ``version_id`` from ``at`` (None: taken down), and
    hand its leaf to ``on_leaf`` (the transparency log's append)."""
    lock_policy(conn)
    if (
        conn.execute(sa.select(screens.c.screen_id).where(screens.c.screen_id == screen_id)).first()
        is None
    ):
        raise InputError("consent.screen_unknown", screen=screen_id)
    if version_id is not None and version_id not in load_versions(conn):
        raise InputError("consent.version_unknown", version=version_id)
    result = conn.execute(
        deployments.insert().values(screen_id=screen_id, version_id=version_id, deployed_at=at)
    )
    key = result.inserted_primary_key
    deployment = Deployment(int(key[0]) if key else 0, screen_id, version_id, at)
    if on_leaf is not None:
        on_leaf(conn, deployment_leaf(deployment))
    return deployment


def add_deployments(conn: Connection, items: Iterable[Deployment]) -> int:
    """Record deployments from a deploy log (idempotent by ``deploy_id``)."""
    rows = [
        {
            "deploy_id": d.deploy_id,
            "screen_id": d.screen_id,
            "version_id": d.version_id,
            "deployed_at": d.deployed_at,
        }
        for d in items
    ]
    count = _insert_new(conn, deployments, "deploy_id", rows)
    if count and conn.dialect.name == "postgresql":
        # Explicit ids bypass the sequence; move it past them so deploy() keeps working.
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('screen_deployments', 'deploy_id'), "
                "(SELECT max(deploy_id) FROM screen_deployments))"
            )
        )
    return count


def load_purposes(conn: Connection) -> dict[str, Purpose]:
    rows = conn.execute(sa.select(purposes).order_by(purposes.c.purpose_key))
    return {
        r.purpose_key: Purpose(
            key=r.purpose_key,
            name_ja=r.name_ja,
            name_en=r.name_en,
            description_ja=r.description_ja,
            description_en=r.description_en,
            output=r.output,
            recipient_class=r.recipient_class,
            dpv_term=r.dpv_term,
        )
        for r in rows
    }


def load_versions(conn: Connection) -> dict[str, PolicyVersion]:
    covered: dict[str, set[str]] = {}
    material: dict[str, set[str]] = {}
    for r in conn.execute(sa.select(version_purposes)):
        covered.setdefault(r.version_id, set()).add(r.purpose_key)
        if r.material:
            material.setdefault(r.version_id, set()).add(r.purpose_key)
    return {
        r.version_id: PolicyVersion(
            version_id=r.version_id,
            effective_at=r.effective_at,
            purposes=frozenset(covered.get(r.version_id, ())),
            text_ja=r.text_ja,
            text_en=r.text_en,
            material_changes=frozenset(material.get(r.version_id, ())),
        )
        for r in conn.execute(sa.select(versions).order_by(versions.c.effective_at))
    }


def load_screens(conn: Connection) -> dict[str, Screen]:
    rows = conn.execute(sa.select(screens).order_by(screens.c.screen_id))
    return {
        r.screen_id: Screen(r.screen_id, r.channel, r.description_ja, r.description_en)
        for r in rows
    }


def load_deployments(conn: Connection) -> list[Deployment]:
    rows = conn.execute(
        sa.select(deployments).order_by(deployments.c.deployed_at, deployments.c.deploy_id)
    )
    return [Deployment(r.deploy_id, r.screen_id, r.version_id, r.deployed_at) for r in rows]


def status_history(conn: Connection, version_id: str | None = None) -> list[StatusEvent]:
    query = sa.select(status_events).order_by(status_events.c.status_event_id)
    if version_id is not None:
        query = query.where(status_events.c.version_id == version_id)
    return [
        StatusEvent(r.version_id, PolicyStatus(r.status), r.at, r.actor, r.reason, r.forced)
        for r in conn.execute(query)
    ]


def status_of(conn: Connection, version_id: str) -> PolicyStatus | None:
    return current_status(status_history(conn, version_id))


def statuses(conn: Connection) -> dict[str, PolicyStatus]:
    found: dict[str, PolicyStatus] = {}
    for event in status_history(conn):
        found[event.version_id] = event.status
    return found


def displayed_now(conn: Connection, at: datetime) -> dict[str, str | None]:
    """What each deployed screen displays at ``at``."""
    return displayed_versions(load_deployments(conn), at)
