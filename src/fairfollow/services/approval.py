"""The approval workflow of a data service: states, typed events and role checks (pure).

::

    draft ──submit──► submitted ──rules allow──► privacy_review ──sign-off──► committee_review
      ▲                  │ rules gap → draft        │ privacy officer rejects       │ quorum of
      │                  └ rules deny ─► rejected ◄─┴──── any reviewer's veto ◄────┤ approvals
      └── a new version (registered) ◄── rejected                                   ▼
                                                                                approved

A service's state is the fold of its append-only events (:func:`fold`). Each command
(:func:`submit`, :func:`sign_off` …) checks the actor's roles against the current state and
returns the events to append, or raises :class:`~fairfollow.errors.RoleError` /
:class:`~fairfollow.errors.GovernanceError`. Role rules (an actor is an
:class:`~fairfollow.actor.Actor`, compared by account id; the owner a declaration names is a
login, compared case-folded): the owner submits; the privacy officer is never the owner; a
reviewer cannot approve a service they own or registered, nor one they signed off as
privacy officer; any reviewer may veto, with a reason that stays in the history.
A material change to an approved service reopens its review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from fairfollow.accounts.account import MIN_QUORUM, Role, same_person
from fairfollow.actor import RULES, Actor
from fairfollow.errors import GovernanceError, RoleError
from fairfollow.law.rules import Decision, Outcome

RULE_ENGINE_ACTOR = RULES


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PRIVACY_REVIEW = "privacy_review"
    COMMITTEE_REVIEW = "committee_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class EventKind(StrEnum):
    """Stable names of workflow events."""

    REGISTERED = "service.registered"
    AMENDED = "service.amended"
    REVIEW_REOPENED = "service.review_reopened"
    SUBMITTED = "service.submitted"
    RULES_ALLOWED = "service.rules_allowed"
    RULES_DENIED = "service.rules_denied"
    RULES_GAP = "service.rules_gap"
    PRIVACY_SIGNED_OFF = "service.privacy_signed_off"
    PRIVACY_REJECTED = "service.privacy_rejected"
    REVIEWER_APPROVED = "service.reviewer_approved"
    VETOED = "service.vetoed"
    APPROVED = "service.approved"


@dataclass(frozen=True)
class WorkflowEvent:
    service_id: str
    version: int
    kind: EventKind
    actor: Actor
    at: datetime
    reason: str = ""
    fields: tuple[str, ...] = ()  # material fields changed
    citations: tuple[str, ...] = ()  # rule citations behind a rules_* event
    event_id: int = 0  # assigned by the ledger


@dataclass(frozen=True)
class Veto:
    actor: Actor
    reason: str
    at: datetime
    version: int


@dataclass(frozen=True)
class ServiceState:
    """Where a service stands, folded from its events."""

    service_id: str
    version: int
    owner: str
    registered_by: Actor
    state: State = State.DRAFT
    approved_version: int | None = None
    privacy_officer: Actor | None = None
    approvals: frozenset[Actor] = frozenset()
    vetoes: tuple[Veto, ...] = ()
    last_reason: str = ""
    history: tuple[WorkflowEvent, ...] = field(default=(), repr=False)

    @property
    def current(self) -> bool:
        """Approved, and the approval covers the latest version."""
        return self.state is State.APPROVED and self.approved_version == self.version


@dataclass(frozen=True)
class WorkflowConfig:
    quorum: int = 2  # reviewer approvals needed in committee review

    def __post_init__(self) -> None:
        if self.quorum < MIN_QUORUM:
            raise GovernanceError("services.quorum_too_small", minimum=MIN_QUORUM)


def _apply(s: ServiceState, e: WorkflowEvent) -> ServiceState:
    k = EventKind
    s = replace(s, history=(*s.history, e))
    if e.kind is k.REGISTERED:
        return replace(
            s, version=e.version, state=State.DRAFT, approvals=frozenset(), privacy_officer=None
        )
    if e.kind is k.AMENDED:
        return replace(s, state=State.APPROVED, approved_version=e.version)
    if e.kind in (k.REVIEW_REOPENED, k.SUBMITTED):
        return replace(
            s,
            state=State.SUBMITTED,
            approvals=frozenset(),
            privacy_officer=None,
            last_reason=e.reason,
        )
    if e.kind is k.RULES_ALLOWED:
        return replace(s, state=State.PRIVACY_REVIEW)
    if e.kind is k.RULES_GAP:
        return replace(s, state=State.DRAFT, last_reason=e.reason)
    if e.kind in (k.RULES_DENIED, k.PRIVACY_REJECTED):
        return replace(s, state=State.REJECTED, last_reason=e.reason)
    if e.kind is k.PRIVACY_SIGNED_OFF:
        return replace(s, state=State.COMMITTEE_REVIEW, privacy_officer=e.actor)
    if e.kind is k.REVIEWER_APPROVED:
        return replace(s, approvals=s.approvals | {e.actor})
    if e.kind is k.APPROVED:
        return replace(s, state=State.APPROVED, approved_version=e.version)
    if e.kind is k.VETOED:
        veto = Veto(e.actor, e.reason, e.at, e.version)
        return replace(s, state=State.REJECTED, vetoes=(*s.vetoes, veto), last_reason=e.reason)
    raise GovernanceError("services.event_unknown", kind=str(e.kind))


def fold(
    service_id: str, owner: str, registered_by: Actor, events: Iterable[WorkflowEvent]
) -> ServiceState:
    """The state after ``events`` (in ledger order); owner of the latest version."""
    state = ServiceState(service_id, 0, owner, registered_by)
    for event in events:
        state = _apply(state, event)
    return state


def _event(
    s: ServiceState, kind: EventKind, actor: Actor, at: datetime, **kw: object
) -> WorkflowEvent:
    return WorkflowEvent(s.service_id, s.version, kind, actor, at, **kw)  # type: ignore[arg-type]


def _expect(s: ServiceState, *allowed: State) -> None:
    if s.state not in allowed:
        raise GovernanceError(
            "services.wrong_state", service=s.service_id, state=s.state, allowed=list(allowed)
        )


def _is_owner(s: ServiceState, actor: Actor) -> bool:
    return same_person(actor.login, s.owner) or actor.account_id == s.registered_by.account_id


def _require_role(actor: Actor, roles: frozenset[Role], role: Role) -> None:
    if role not in roles:
        raise RoleError("services.role_missing", actor=actor, role=role)


def register(
    s: ServiceState | None,
    service_id: str,
    version: int,
    actor: Actor,
    at: datetime,
    material: tuple[str, ...],
) -> list[WorkflowEvent]:
    """Events for a new version; ``material`` lists the material fields that changed."""
    base = WorkflowEvent(service_id, version, EventKind.REGISTERED, actor, at, fields=material)
    if s is None or s.state is not State.APPROVED:
        return [base]
    if material:
        reason = "material change: " + ", ".join(material)
        reopened = replace(base, kind=EventKind.REVIEW_REOPENED, reason=reason, actor=actor)
        return [base, reopened]
    return [base, replace(base, kind=EventKind.AMENDED, reason="change is not material")]


def submit(s: ServiceState, actor: Actor, at: datetime) -> list[WorkflowEvent]:
    _expect(s, State.DRAFT)
    if not same_person(actor.login, s.owner):
        raise RoleError("services.owner_submits", owner=s.owner, service=s.service_id)
    return [_event(s, EventKind.SUBMITTED, actor, at)]


def rules_checked(s: ServiceState, decision: Decision, at: datetime) -> list[WorkflowEvent]:
    """The rule engine's verdict on a submitted version."""
    _expect(s, State.SUBMITTED)
    kind = {
        Outcome.ALLOW: EventKind.RULES_ALLOWED,
        Outcome.DENY: EventKind.RULES_DENIED,
        Outcome.GAP: EventKind.RULES_GAP,
    }[decision.outcome]
    blocking = decision.with_outcome(Outcome.DENY) or decision.with_outcome(Outcome.GAP)
    reason = "; ".join(f"{r.rule_id}: {r.note}" for r in blocking)
    return [_event(s, kind, RULE_ENGINE_ACTOR, at, reason=reason, citations=decision.citations)]


def sign_off(
    s: ServiceState, actor: Actor, roles: frozenset[Role], at: datetime
) -> list[WorkflowEvent]:
    _expect(s, State.PRIVACY_REVIEW)
    _require_role(actor, roles, Role.PRIVACY_OFFICER)
    if _is_owner(s, actor):
        raise RoleError("services.owner_not_officer", actor=actor, service=s.service_id)
    return [_event(s, EventKind.PRIVACY_SIGNED_OFF, actor, at)]


def privacy_reject(
    s: ServiceState, actor: Actor, roles: frozenset[Role], at: datetime, reason: str
) -> list[WorkflowEvent]:
    _expect(s, State.PRIVACY_REVIEW)
    _require_role(actor, roles, Role.PRIVACY_OFFICER)
    if not reason.strip():
        raise GovernanceError("services.rejection_needs_reason")
    return [_event(s, EventKind.PRIVACY_REJECTED, actor, at, reason=reason.strip())]


def approve(
    s: ServiceState, actor: Actor, roles: frozenset[Role], at: datetime, config: WorkflowConfig
) -> list[WorkflowEvent]:
    _expect(s, State.COMMITTEE_REVIEW)
    _require_role(actor, roles, Role.REVIEWER)
    if _is_owner(s, actor):
        raise RoleError("services.own_service", actor=actor.login, service=s.service_id)
    if s.privacy_officer is not None and actor.account_id == s.privacy_officer.account_id:
        raise RoleError("services.officer_not_approver", actor=actor.login)
    if any(actor.account_id == a.account_id for a in s.approvals):
        raise GovernanceError("services.already_approved", actor=actor.login, version=s.version)
    events = [_event(s, EventKind.REVIEWER_APPROVED, actor, at)]
    if len(s.approvals) + 1 >= config.quorum:
        reason = f"{len(s.approvals) + 1} of {config.quorum} reviewers approved"
        events.append(_event(s, EventKind.APPROVED, actor, at, reason=reason))
    return events


def veto(
    s: ServiceState, actor: Actor, roles: frozenset[Role], at: datetime, reason: str
) -> list[WorkflowEvent]:
    """Any reviewer's veto rejects the service, at any stage of review or once approved."""
    _expect(s, State.SUBMITTED, State.PRIVACY_REVIEW, State.COMMITTEE_REVIEW, State.APPROVED)
    _require_role(actor, roles, Role.REVIEWER)
    if not reason.strip():
        raise GovernanceError("services.veto_needs_reason")
    return [_event(s, EventKind.VETOED, actor, at, reason=reason.strip())]
