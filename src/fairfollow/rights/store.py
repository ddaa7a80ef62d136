"""Ledger tables of data-subject requests and the actions taken on them, and their SQL.

Append-only, with one exception that erasure itself requires: once a member is erased, their
requests keep only the keyed hash of the member (``member_ref``) — the id and any detail that
held personal data (a corrected e-mail, say) are cleared (:func:`forget_member`). The request
and its actions stay as the record that the request was answered, and when.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.actor import Actor
from fairfollow.consent.store import events as consent_events
from fairfollow.errors import InputError
from fairfollow.intake.pool_store import intakes, pool_offers
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata
from fairfollow.records.decision_store import decisions
from fairfollow.records.provision_store import provision_subjects, provisions
from fairfollow.rights.detail import detail_of
from fairfollow.rights.request import (
    Action,
    IdentityCheck,
    IdentityMethod,
    LegalBasis,
    RequestInput,
    RightKind,
    RightsRequest,
    Status,
)

requests = sa.Table(
    "rights_requests",
    metadata,
    sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("member_id", sa.BigInteger, nullable=True),  # cleared by erasure
    sa.Column("member_ref", sa.String(64), nullable=False),
    sa.Column("basis", sa.String(8), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("identity_method", sa.String(32), nullable=True),
    sa.Column("identity_verified_by", ActorColumn, nullable=True),
    sa.Column("identity_evidence", sa.Text, nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_rights_requests_member_ref", "member_ref"),
)
actions = sa.Table(
    "rights_actions",
    metadata,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.ForeignKey("rights_requests.request_id"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("actor", ActorColumn, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_rights_actions_request", "request_id"),
)


def add_request(conn: Connection, item: RequestInput, member_ref: str, due: datetime) -> int:
    identity = item.identity
    key = conn.execute(
        requests.insert().values(
            kind=item.kind.value,
            member_id=item.member_id,
            member_ref=member_ref,
            basis=item.basis.value,
            received_at=item.received_at,
            due_at=due,
            identity_method=None if identity is None else identity.method.value,
            identity_verified_by=None if identity is None else identity.verified_by,
            identity_evidence=None if identity is None else identity.evidence,
            detail=json.dumps(item.typed_detail.as_json(), ensure_ascii=False, sort_keys=True),
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_action(
    conn: Connection,
    request_id: int,
    status: Status,
    action: str,
    actor: Actor,
    at: datetime,
    detail: Mapping[str, object] | None = None,
) -> None:
    conn.execute(
        actions.insert().values(
            request_id=request_id,
            at=at,
            status=status.value,
            action=action,
            actor=actor,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str),
        )
    )


def set_identity(conn: Connection, request_id: int, identity: IdentityCheck) -> None:
    """Record the identity check of a request received without one (verification step)."""
    conn.execute(
        requests.update()
        .where(requests.c.request_id == request_id, requests.c.identity_method.is_(None))
        .values(
            identity_method=identity.method.value,
            identity_verified_by=identity.verified_by,
            identity_evidence=identity.evidence,
        )
    )


def _actions(conn: Connection, ids: list[int]) -> dict[int, list[Action]]:
    found: dict[int, list[Action]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = conn.execute(
        sa.select(actions).where(actions.c.request_id.in_(ids)).order_by(actions.c.action_id)
    )
    for r in rows:
        found[int(r.request_id)].append(
            Action(r.at, Status(r.status), r.action, r.actor, json.loads(r.detail))
        )
    return found


def _request(r: sa.Row[tuple[object, ...]], taken: list[Action]) -> RightsRequest:
    m = r._mapping
    identity = None
    if m["identity_method"] is not None:
        identity = IdentityCheck(
            IdentityMethod(str(m["identity_method"])),
            m["identity_verified_by"],
            str(m["identity_evidence"]),
        )
    return RightsRequest(
        request_id=int(str(m["request_id"])),
        kind=RightKind(str(m["kind"])),
        member_ref=str(m["member_ref"]),
        basis=LegalBasis(str(m["basis"])),
        received_at=m["received_at"],
        due_at=m["due_at"],
        identity=identity,
        detail=detail_of(str(m["kind"]), json.loads(str(m["detail"]))),
        actions=tuple(taken),
    )


def _load(conn: Connection, query: sa.Select[tuple[object, ...]]) -> list[RightsRequest]:
    rows = list(conn.execute(query.order_by(requests.c.request_id)))
    taken = _actions(conn, [int(str(r._mapping["request_id"])) for r in rows])
    return [_request(r, taken[int(str(r._mapping["request_id"]))]) for r in rows]


def load_request(conn: Connection, request_id: int) -> RightsRequest:
    found = _load(conn, sa.select(requests).where(requests.c.request_id == request_id))
    if not found:
        raise InputError("rights.request_unknown", request=request_id)
    return found[0]


def member_of(conn: Connection, request_id: int) -> int | None:
    """The member id of a request (None once the member was erased)."""
    value = conn.execute(
        sa.select(requests.c.member_id).where(requests.c.request_id == request_id)
    ).scalar()
    return None if value is None else int(value)


def load_requests(conn: Connection, member_ref: str | None = None) -> list[RightsRequest]:
    query = sa.select(requests)
    if member_ref is not None:
        query = query.where(requests.c.member_ref == member_ref)
    return _load(conn, query)


def forget_member(conn: Connection, member_ref: str, erasure_request: int) -> int:
    """Clear the member's id and request details (erasure); returns the requests touched."""
    note = json.dumps({"cleared_by_erasure_request": erasure_request})
    result = conn.execute(
        requests.update().where(requests.c.member_ref == member_ref).values(member_id=None)
    )
    conn.execute(
        requests.update()
        .where(requests.c.member_ref == member_ref, requests.c.kind == RightKind.CORRECTION.value)
        .values(detail=note)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class IntakeMatch:
    """An employer's list that named the member, and what became of the row."""

    intake_id: int
    employer: str
    season: int
    received_at: datetime
    line: int
    offer_date: date
    status: str
    reason: str


def intake_matches(conn: Connection, member_id: int) -> list[IntakeMatch]:
    query = (
        sa.select(
            pool_offers.c.intake_id,
            intakes.c.employer,
            intakes.c.season,
            intakes.c.at,
            pool_offers.c.line,
            pool_offers.c.offer_date,
            pool_offers.c.status,
            pool_offers.c.reason,
        )
        .join(intakes, intakes.c.intake_id == pool_offers.c.intake_id)
        .where(pool_offers.c.member_id == member_id)
        .order_by(pool_offers.c.intake_id, pool_offers.c.line)
    )
    return [
        IntakeMatch(int(r[0]), str(r[1]), int(r[2]), r[3], int(r[4]), r[5], str(r[6]), str(r[7]))
        for r in conn.execute(query)
    ]


@dataclass(frozen=True)
class LedgerCounts:
    """How many of each kind of ledger row name the member (the portal's holdings)."""

    consent_decisions: int
    intake_matches: int
    provisions: int
    requests: int


def member_counts(conn: Connection, member_id: int, member_ref: str) -> LedgerCounts:
    """The lengths of the member's consent history, :func:`intake_matches`, provision
    records and :func:`load_requests` (by ``member_ref``), in one round trip."""

    def count(query: sa.Select[tuple[object, ...]]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(query.subquery()).scalar_subquery()

    consents = sa.select(consent_events.c.consent_event_id).where(
        consent_events.c.member_id == member_id
    )
    matches = (
        sa.select(pool_offers.c.line)
        .join(intakes, intakes.c.intake_id == pool_offers.c.intake_id)
        .where(pool_offers.c.member_id == member_id)
    )
    records = (
        sa.select(provisions.c.provision_id)
        .join(provision_subjects)
        .where(provision_subjects.c.member_id == member_id)
    )
    filed = sa.select(requests.c.request_id).where(requests.c.member_ref == member_ref)
    row = conn.execute(sa.select(*(count(q) for q in (consents, matches, records, filed)))).one()
    return LedgerCounts(*(int(n) for n in row))


def releases_of_intakes(conn: Connection, intake_ids: set[int]) -> list[tuple[int, str, datetime]]:
    """(decision id, employer, at) of every release made from one of ``intake_ids``."""
    query = sa.select(
        decisions.c.decision_id, decisions.c.employer, decisions.c.at, decisions.c.detail
    ).where(decisions.c.request == "release_forecast", decisions.c.outcome == "allow")
    found = []
    for decision_id, employer, at, detail in conn.execute(query.order_by(decisions.c.decision_id)):
        if json.loads(detail).get("intake_id") in intake_ids:
            found.append((int(decision_id), str(employer), at))
    return found
