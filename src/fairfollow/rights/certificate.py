"""What a request will do before it is done (the preview), and what it did (the certificate).

:func:`preview` lists, for a member and a kind, what completing the request will erase or
change (categories of held data, counted) and what is kept by law, until when; the member
sees it before filing, the officer before completing. :func:`certificate` reads a request's
recorded steps back as the completion certificate: each step with when and who, the counts,
what was kept and until when, and the transparency-log leaf of an erasure. It holds no
personal data (it is shown and downloadable after the person is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.transaction import reading
from fairfollow.records import provision_store
from fairfollow.rights.desk import Desk
from fairfollow.rights.disclosure import held_counts
from fairfollow.rights.erasure import RETENTION_CITATION
from fairfollow.rights.plan import Plan, progress_of, recorded_steps
from fairfollow.rights.request import RightKind, RightsRequest, Status


@dataclass(frozen=True)
class Held:
    """One category of held data and how much of it."""

    key: str
    count: int


@dataclass(frozen=True)
class Kept:
    """A record the law requires kept, and until when."""

    provision_id: int
    decision_id: int
    recipient: str
    provided_at: datetime
    retain_until: datetime
    citation: str = RETENTION_CITATION


@dataclass(frozen=True)
class Preview:
    kind: RightKind
    steps: tuple[str, ...]
    affected: tuple[Held, ...]
    kept: tuple[Kept, ...]


def held_of(desk: Desk, member_id: int) -> tuple[Held, ...]:
    """What is held about the member, by category (the portal's first page), counted."""
    held = held_counts(desk, member_id)
    rows = held.analytics
    return (
        Held("profile", rows.profile_fields if rows else 0),
        Held("attributes", rows.attribute_fields if rows else 0),
        Held("cookies", rows.cookies if rows else 0),
        Held("events", rows.events if rows else 0),
        Held("partner_events", rows.partner_events if rows else 0),
        Held("consent_decisions", held.ledger.consent_decisions),
        Held("intake_matches", held.ledger.intake_matches),
        Held("provisions", held.ledger.provisions),
        Held("feature_rows", held.feature_rows),
        Held("requests", held.ledger.requests),
    )


def kept_of(desk: Desk, member_id: int) -> tuple[Kept, ...]:
    with reading(desk.engine, "rights kept records") as conn:
        found = provision_store.provisions_for_member(conn, member_id)
    return tuple(
        Kept(p.provision_id, p.decision_id, p.recipient, p.provided_at, p.retain_until)
        for p in found
    )


def preview(desk: Desk, member_id: int, kind: RightKind, plan: Plan) -> Preview:
    """What completing a request of ``kind`` for the member will touch, and keep."""
    held = held_of(desk, member_id)
    if kind is RightKind.ERASURE:
        # The provision records are kept, so they are not among what is erased.
        affected = tuple(h for h in held if h.key != "provisions" and h.count)
        return Preview(kind, plan.names, affected, kept_of(desk, member_id))
    return Preview(kind, plan.names, tuple(h for h in held if h.count), ())


@dataclass(frozen=True)
class StepDone:
    name: str
    at: datetime
    actor: str
    detail: dict[str, JsonValue]


@dataclass(frozen=True)
class Certificate:
    """A request's completion, step by step (see the module docstring)."""

    request_id: int
    kind: RightKind
    status: Status
    received_at: datetime
    completed_at: datetime | None
    steps: tuple[StepDone, ...]
    pending: tuple[str, ...]
    counts: dict[str, int]
    kept: tuple[dict[str, JsonValue], ...]
    log_leaf: int | None

    @property
    def complete(self) -> bool:
        return self.status is Status.DONE and not self.pending

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "request_id": self.request_id,
            "kind": self.kind.value,
            "status": self.status.value,
            "received_at": self.received_at.isoformat(),
            "completed_at": None if self.completed_at is None else self.completed_at.isoformat(),
            "steps": [
                {"step": s.name, "at": s.at.isoformat(), "actor": s.actor, "detail": s.detail}
                for s in self.steps
            ],
            "pending": list(self.pending),
            "counts": dict(self.counts),
            "kept": list(self.kept),
            "log_leaf": self.log_leaf,
        }


def _counts(detail: dict[str, JsonValue]) -> dict[str, int]:
    """The numbers a step recorded, flattened (``store.rows_removed.events`` …)."""
    found: dict[str, int] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            found[prefix] = value
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)

    walk("", {k: v for k, v in detail.items() if k not in ("log_leaf", "step")})
    return found


def _json(value: object) -> JsonValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return str(value)


def certificate(request: RightsRequest, plan: Plan) -> Certificate:
    """The certificate of ``request`` from its recorded steps (see the module docstring)."""
    progress = progress_of(plan, request)
    recorded = recorded_steps(request)
    steps: list[StepDone] = []
    counts: dict[str, int] = {}
    kept: tuple[dict[str, JsonValue], ...] = ()
    leaf = None
    by_name = {a.action: a for a in request.actions}
    for name in progress.done:
        action = by_name.get(f"step:{name}") or by_name.get(f"{request.kind.value}_done")
        if action is None:
            continue
        detail = {str(k): _json(v) for k, v in recorded[name].items() if k != "step"}
        steps.append(StepDone(name, action.at, str(action.actor), detail))
        counts.update(_counts(detail))
        retained = detail.get("retained")
        if isinstance(retained, list):
            kept = tuple(r for r in retained if isinstance(r, dict))
        if isinstance(detail.get("log_leaf"), int):
            leaf = int(str(detail["log_leaf"]))
    done = [a.at for a in request.actions if a.status is Status.DONE]
    return Certificate(
        request.request_id,
        request.kind,
        request.status,
        request.received_at,
        done[0] if done else None,
        tuple(steps),
        progress.pending,
        counts,
        kept,
        leaf,
    )
