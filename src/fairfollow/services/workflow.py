"""The workflow commands on the ledger: register, submit, sign off, approve, veto.

Each command is one transaction: lock the service's row, fold its events into a state,
ask :mod:`fairfollow.services.approval` for the events the command makes (or its refusal), append
them. Submitting runs the rule engine on the declaration and records the decision with
every rule's citation; a denial rejects the service there and then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts import authority
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import AuditKind, Principal, Role, actor_of
from fairfollow.accounts.duties import check_quorum
from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError
from fairfollow.law.packs import RULES, registration_rule
from fairfollow.law.purposes import BINDING_CITATIONS
from fairfollow.law.rules import Decision, Outcome, RuleConfig, RuleContext, evaluate
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction
from fairfollow.records import decision_store
from fairfollow.services import approval, store
from fairfollow.services.approval import EventKind, ServiceState, WorkflowEvent
from fairfollow.services.registry import ServiceSpec, material_changes
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

SERVICE_REVIEW = "service_review"
SERVICE_REGISTRATION = "service_registration"
# The committee's decisions are also log leaves, so anyone can see them taken and not undone.
COMMITTEE_EVENTS = (EventKind.REVIEWER_APPROVED, EventKind.APPROVED, EventKind.VETOED)


@dataclass(frozen=True)
class Registration:
    state: ServiceState
    version: int
    material: tuple[str, ...]
    unchanged: bool = False


@dataclass(frozen=True)
class Submission:
    state: ServiceState
    decision: Decision
    decision_id: int


@dataclass(frozen=True)
class ServiceView:
    spec: ServiceSpec
    state: ServiceState

    def as_json(self) -> dict[str, object]:
        s = self.state
        return {
            "service_id": s.service_id,
            "version": s.version,
            "state": s.state.value,
            "current": s.current,
            "owner": s.owner,
            "approved_version": s.approved_version,
            "privacy_officer": None if s.privacy_officer is None else str(s.privacy_officer),
            "approvals": [str(a) for a in sorted(s.approvals)],
            "vetoes": [
                {
                    "actor": str(v.actor),
                    "reason": v.reason,
                    "at": v.at.isoformat(),
                    "version": v.version,
                }
                for v in s.vetoes
            ],
            "spec": json.loads(self.spec.canonical()),
            "history": [event_json(e) for e in s.history],
        }


def event_json(e: WorkflowEvent) -> dict[str, object]:
    return {
        "event_id": e.event_id,
        "kind": e.kind.value,
        "version": e.version,
        "actor": str(e.actor),
        "at": e.at.isoformat(),
        "reason": e.reason,
        "fields": list(e.fields),
        "citations": list(e.citations),
    }


def review_decision(spec: ServiceSpec) -> Decision:
    """The rule engine's verdict on a declaration (pure)."""
    return evaluate(RULES, RuleContext(spec.facts()), spec.rule_config())


def _roles(conn: Connection, actor: Principal) -> frozenset[Role]:
    """The actor's roles as the ledger holds them inside this transaction."""
    if account_store.find_account(conn, account_id=actor.account_id) is None:
        raise GovernanceError("services.account_unknown", login=actor.login)
    return account_store.roles_of(conn, actor.account_id)


def register_service(
    engine: Engine, spec: ServiceSpec, *, actor: Principal, now: datetime
) -> Registration:
    """Store a declaration as a new version; a material change to an approved one reopens
    its review (and runs the rules again at once). ``actor`` is an authenticated account.

    A declaration stating a purpose for an outside recipient the purpose was not stated for
    (``statistics`` for an employer) is refused before it is stored, and the refusal is
    recorded as a decision with its citations, whatever a committee might later decide."""
    _refuse_unbound_purposes(engine, spec, actor, now)
    with transaction(engine, "register service") as conn:
        _roles(conn, actor)
        by = actor_of(actor)
        previous: ServiceSpec | None = None
        state: ServiceState | None = None
        if store.lock_service(conn, spec.service_id):
            previous = store.load_spec(conn, spec.service_id)
            state = store.service_state(conn, spec.service_id)
            if previous.digest() == spec.digest():
                return Registration(state, state.version, (), unchanged=True)
        material = material_changes(previous, spec) if previous is not None else ()
        version = store.add_version(conn, spec, actor=by, at=now)
        store.append_events(
            conn, approval.register(state, spec.service_id, version, by, now, material)
        )
        new_state = store.service_state(conn, spec.service_id)
        if new_state.state is approval.State.SUBMITTED:  # reopened by a material change
            new_state, _, _ = _check_rules(conn, new_state, spec, by, now)
        return Registration(new_state, version, material)


def _refuse_unbound_purposes(
    engine: Engine, spec: ServiceSpec, actor: Principal, now: datetime
) -> None:
    decision = evaluate((registration_rule(),), RuleContext(spec.facts()), RuleConfig())
    if decision.outcome is not Outcome.DENY:
        return
    (result,) = decision.results
    with transaction(engine, "refuse service registration") as conn:
        _roles(conn, actor)
        decision_id = decision_store.record_decision(
            conn,
            decision_store.DecisionRecord(
                request=SERVICE_REGISTRATION,
                outcome=decision.outcome.value,
                reason="rules_deny",
                actor=actor_of(actor),
                at=now,
                rules=json.dumps(decision.as_json(), ensure_ascii=False),
                service_id=spec.service_id,
            ),
        )
    code = (
        "services.purpose_unregistered"
        if result.note_code == "law.note.purpose_unregistered"
        else "services.purpose_not_for_recipient"
    )
    raise GovernanceError(
        code,
        service=spec.service_id,
        citations=list(BINDING_CITATIONS),
        decision_id=decision_id,
        **dict(result.note_params),
    )


def _check_rules(
    conn: Connection, state: ServiceState, spec: ServiceSpec, actor: Actor, now: datetime
) -> tuple[ServiceState, Decision, int]:
    decision = review_decision(spec)
    decision_id = decision_store.record_decision(
        conn,
        decision_store.DecisionRecord(
            request=SERVICE_REVIEW,
            outcome=decision.outcome.value,
            reason=f"rules_{decision.outcome.value}",
            actor=actor,
            at=now,
            rules=json.dumps(decision.as_json(), ensure_ascii=False),
            service_id=spec.service_id,
            service_version=state.version,
        ),
    )
    store.append_events(conn, approval.rules_checked(state, decision, now))
    return store.service_state(conn, spec.service_id), decision, decision_id


def _locked_state(conn: Connection, service_id: str) -> ServiceState:
    if not store.lock_service(conn, service_id):
        raise GovernanceError("services.service_unknown", service=service_id)
    return store.service_state(conn, service_id)


def submit_service(
    engine: Engine, service_id: str, *, actor: Principal, now: datetime
) -> Submission:
    """The owner submits the latest version; the rule engine decides at once."""
    with transaction(engine, "submit service") as conn:
        _roles(conn, actor)
        state = _locked_state(conn, service_id)
        store.append_events(conn, approval.submit(state, actor_of(actor), now))
        state = store.service_state(conn, service_id)
        spec = store.load_spec(conn, service_id)
        state, decision, decision_id = _check_rules(conn, state, spec, actor_of(actor), now)
        return Submission(state, decision, decision_id)


def sign_off_service(
    engine: Engine,
    service_id: str,
    *,
    actor: Principal,
    now: datetime,
    reject: str | None = None,
) -> ServiceState:
    """The privacy officer signs off (or, with ``reject``, rejects with that reason)."""
    with transaction(engine, "sign off service") as conn:
        roles = _roles(conn, actor)
        state = _locked_state(conn, service_id)
        events = (
            approval.sign_off(state, actor_of(actor), roles, now)
            if reject is None
            else approval.privacy_reject(state, actor_of(actor), roles, now, reject)
        )
        store.append_events(conn, events)
        return store.service_state(conn, service_id)


def approve_service(
    engine: Engine, service_id: str, *, actor: Principal, now: datetime
) -> ServiceState:
    with transaction(engine, "approve service") as conn:
        roles = _roles(conn, actor)
        state = _locked_state(conn, service_id)
        config = store.workflow_config(conn)
        events = approval.approve(state, actor_of(actor), roles, now, config)
        store.append_events(conn, events)
        _log_committee(conn, events)
        return store.service_state(conn, service_id)


def veto_service(
    engine: Engine, service_id: str, *, actor: Principal, reason: str, now: datetime
) -> ServiceState:
    with transaction(engine, "veto service") as conn:
        roles = _roles(conn, actor)
        state = _locked_state(conn, service_id)
        events = approval.veto(state, actor_of(actor), roles, now, reason)
        store.append_events(conn, events)
        _log_committee(conn, events)
        return store.service_state(conn, service_id)


def _log_committee(conn: Connection, events: list[WorkflowEvent]) -> None:
    """One log leaf per committee decision (who, on which version, why), in the same
    transaction as its ledger event: a failed log write aborts the decision."""
    records = [
        LogRecord(
            e.kind.value,
            f"{e.service_id}-v{e.version}",
            {
                "service": e.service_id,
                "version": e.version,
                "actor": str(e.actor),
                "at": e.at.isoformat(),
                "reason": e.reason,
            },
        )
        for e in events
        if e.kind in COMMITTEE_EVENTS
    ]
    if records:
        log_store.append_many(conn, records)


def show_service(engine: Engine, service_id: str) -> ServiceView:
    with reading(engine, "show service") as conn:
        return ServiceView(store.load_spec(conn, service_id), store.service_state(conn, service_id))


def set_quorum(engine: Engine, actor: Principal, quorum: int, now: datetime) -> None:
    """An administrator sets the committee's quorum (at least two reviewers)."""
    with transaction(engine, "set quorum") as conn:
        admin = authority.fresh(conn, actor)
        check_quorum(admin, quorum)
        store.set_quorum(conn, quorum, by=actor_of(admin), at=now)
        account = account_store.find_account(conn, account_id=admin.account_id)
        event_id = authority.record_audit(
            conn, AuditKind.QUORUM_SET, account, admin.login, now, quorum=quorum
        )
        authority.add_leaf(
            conn,
            LeafKind.QUORUM_SET,
            f"quorum-{event_id}",
            {"quorum": quorum, "by": str(actor_of(admin))},
        )
