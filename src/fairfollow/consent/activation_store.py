"""The activation gate in the ledger: decisions recorded, versions going live, and the
overview behind ``fairfollow policy list``.

:func:`activate` runs :func:`fairfollow.consent.policy.check_activation` inside the transaction that
records its decision, after taking the policy lock, so no deployment can slip in between
the check and the write. Every decision is kept, refusals included (STYLE: a refusal is data
that gets logged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.consent.leaf import LeafHook, activation_leaf
from fairfollow.consent.policy import (
    ActivationDecision,
    ActivationOutcome,
    PolicyStatus,
    PolicyVersion,
    Screen,
    StatusEvent,
    check_activation,
)
from fairfollow.consent.policy_store import (
    append_status,
    displayed_now,
    load_deployments,
    load_screens,
    load_versions,
    lock_policy,
    status_of,
    statuses,
)
from fairfollow.consent.tying_store import required_purposes
from fairfollow.errors import InputError
from fairfollow.instants import utc
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

activation_decisions = sa.Table(
    "policy_activation_decisions",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version_id", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("lagging", sa.Text, nullable=False),  # JSON [[screen_id, displayed], …]
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of the gate's reason codes
)


def activate(
    conn: Connection,
    version_id: str,
    *,
    at: datetime,
    actor: Actor,
    force: bool = False,
    reason: str = "",
    on_leaf: LeafHook | None = None,
) -> ActivationDecision:
    """Run the activation gate and record its decision; on success retire the previous
    active version(s) and record ``version_id`` as active (forced: with who and why), and
    hand its leaf to ``on_leaf`` (the transparency log's append)."""
    lock_policy(conn)
    if version_id not in load_versions(conn):
        raise InputError("consent.version_unknown", version=version_id)
    decision = check_activation(
        version_id,
        status_of(conn, version_id),
        load_deployments(conn),
        at,
        actor=actor,
        force=force,
        reason=reason,
        required=required_purposes(conn, version_id),
    )
    conn.execute(
        activation_decisions.insert().values(
            version_id=version_id,
            at=decision.at,
            outcome=decision.outcome.value,
            actor=actor,
            reason=reason,
            lagging=json.dumps([[s.screen_id, s.displayed] for s in decision.lagging]),
            reasons=json.dumps(list(decision.reasons), ensure_ascii=False),
        )
    )
    if decision.allowed:
        for other, status in statuses(conn).items():
            if status is PolicyStatus.ACTIVE:
                append_status(
                    conn,
                    StatusEvent(
                        other,
                        PolicyStatus.RETIRED,
                        decision.at,
                        actor,
                        f"superseded by {version_id}",
                    ),
                )
        append_status(
            conn,
            StatusEvent(
                version_id,
                PolicyStatus.ACTIVE,
                decision.at,
                actor,
                reason,
                forced=decision.outcome is ActivationOutcome.FORCED,
            ),
        )
        if on_leaf is not None:
            on_leaf(conn, activation_leaf(decision, load_versions(conn)[version_id]))
    return decision


@dataclass(frozen=True)
class RecordedDecision:
    """An activation decision as the ledger holds it."""

    version_id: str
    at: datetime
    outcome: str
    actor: Actor
    reason: str
    lagging: tuple[tuple[str, str | None], ...]


def activation_history(conn: Connection) -> list[RecordedDecision]:
    rows = conn.execute(
        sa.select(activation_decisions).order_by(activation_decisions.c.decision_id)
    )
    return [
        RecordedDecision(
            r.version_id,
            r.at,
            r.outcome,
            r.actor,
            r.reason,
            tuple((str(s), d) for s, d in json.loads(r.lagging)),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class VersionRow:
    version: PolicyVersion
    status: PolicyStatus | None


@dataclass(frozen=True)
class ScreenRow:
    screen: Screen
    displayed: str | None
    lagging: bool  # displays a version older than the active one


@dataclass(frozen=True)
class PolicyOverview:
    """Versions with their status, screens with what they display, recorded decisions."""

    at: datetime
    active: tuple[str, ...]
    versions: tuple[VersionRow, ...]
    screens: tuple[ScreenRow, ...]
    decisions: tuple[RecordedDecision, ...]


def overview(conn: Connection, at: datetime) -> PolicyOverview:
    """The policy as it stands at ``at``: a screen lags when it displays a version older
    (by effective time) than the active one, or nothing it could be asked consent on."""
    status = statuses(conn)
    versions = load_versions(conn)
    active = tuple(v for v, s in status.items() if s is PolicyStatus.ACTIVE)
    live_from = max((versions[v].effective_at for v in active), default=None)
    shown = displayed_now(conn, at)

    def lags(version_id: str | None) -> bool:
        if version_id is None or live_from is None:
            return False
        return version_id not in active and versions[version_id].effective_at < live_from

    return PolicyOverview(
        at=utc(at),
        active=active,
        versions=tuple(VersionRow(v, status.get(k)) for k, v in versions.items()),
        screens=tuple(
            ScreenRow(screen, shown.get(key), lags(shown.get(key)))
            for key, screen in load_screens(conn).items()
        ),
        decisions=tuple(activation_history(conn)),
    )
