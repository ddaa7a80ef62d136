"""The release door: the only code path that produces anything for an outside recipient.

``release_forecast`` runs, in **one** ledger transaction that first locks the employer's
privacy budget for the season:

1. the service is approved, and the approval covers its current version;
2. the rule engine allows the release (every rule's outcome and citation is kept);
3. consent filter: members of the pool whose consent for the purpose is not valid at the
   release instant are left out of the behavioural data — their offers are forecast from
   the aggregate base rate only, and the release says how many offers were treated so;
4. at least :data:`~fairfollow.release.figures.MIN_POOL` contributing members;
5. Laplace noise (OpenDP) on every released figure, paid from the employer's ε budget for
   the season; a release that would exceed it is refused;
6. the decision, the ε spent, the APPI Art. 29 provision record (with its subjects) and the
   transparency-log leaf are written, and the transaction commits — or, if any of it
   fails, nothing is written and nothing is returned.

A refusal is a value: it is recorded (decision row and log leaf) and returned, with no ε
spent. ``release_individual`` exists so that an attempt to send individual scores is
refused and recorded with its citations, whatever the service's configuration says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.consent import coverage
from fairfollow.errors import GovernanceError, InputError
from fairfollow.governance import provision, provision_store, store
from fairfollow.governance.pool_store import Pool, load_pool
from fairfollow.governance.registry import ServiceSpec
from fairfollow.law.packs import RULES
from fairfollow.law.rules import (
    Decision,
    Granularity,
    ReleaseFacts,
    RuleConfig,
    RuleContext,
    evaluate,
)
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction
from fairfollow.model.scores import ForecastSource
from fairfollow.release.budget import Budget
from fairfollow.release.budget_store import budget, lock_budget, spend
from fairfollow.release.figures import (
    INTERVAL_LEVEL,
    MIN_POOL,
    ExactFigures,
    ReleasedFigures,
    exact_figures,
    release_figures,
)
from fairfollow.release.view import ReleaseOutcome
from fairfollow.tlog import member_store
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import NoteSigner
from fairfollow.tlog.record import LogRecord

RELEASE_FORECAST = "release_forecast"
RELEASE_INDIVIDUAL = "release_individual"
DEFAULT_EPSILON = 1.0
EMPLOYER_CLASS = "client_employer"
Appender = Callable[[Connection, LogRecord], log_store.LeafRef]


@dataclass(frozen=True)
class ReleaseRequest:
    employer: str
    service_id: str
    season: int
    at: datetime  # consent is evaluated at this instant, and the release recorded with it
    epsilon: float = DEFAULT_EPSILON
    actor: str = "release-door"
    level: float = INTERVAL_LEVEL


def _service(conn: Connection, service_id: str) -> tuple[ServiceSpec | None, bool, int | None]:
    """The service's current declaration, whether its approval is current, its version."""
    try:
        state = store.service_state(conn, service_id)
    except GovernanceError:
        return None, False, None
    return store.load_spec(conn, service_id, state.version), state.current, state.version


def _facts(spec: ServiceSpec | None, employer: str, **kw: object) -> ReleaseFacts:
    values: dict[str, object] = {
        "recipient": employer,
        # The door's only recipients are employers, whatever the declaration calls them.
        "recipient_class": EMPLOYER_CLASS,
        "recipient_named": spec is not None and spec.names(employer),
        "purpose_key": spec.purpose_keys()[0] if spec and spec.purposes else "",
        "granularity": Granularity.AGGREGATE,
        "output_keys": frozenset(),
        "derived_evaluation": False,
        "consent_evaluated": True,
        "unconsented_subjects_used": 0,
        "combination_consent_evaluated": True,
        "clients_mixed": False,
        "attestation_recorded": False,
        "provision_record": True,
    }
    values.update(kw)
    return ReleaseFacts(**values)  # type: ignore[arg-type]


def _decide(spec: ServiceSpec | None, facts: ReleaseFacts) -> Decision:
    config = spec.rule_config() if spec is not None else RuleConfig()
    return evaluate(RULES, RuleContext(None if spec is None else spec.facts(), facts), config)


@dataclass(frozen=True)
class _Record:
    request: ReleaseRequest
    kind: str
    version: int | None
    appender: Appender


def _write(
    conn: Connection,
    rec: _Record,
    *,
    released: bool,
    reason: str,
    decision: Decision | None,
    detail: dict[str, object],
    body: dict[str, object],
) -> tuple[int, int]:
    """The decision row and its log leaf; returns (decision id, leaf index)."""
    req = rec.request
    outcome = "allow" if released else ("gap" if reason == "rules_gap" else "deny")
    decision_id = store.record_decision(
        conn,
        store.DecisionRecord(
            request=rec.kind,
            outcome=outcome,
            reason=reason,
            actor=req.actor,
            at=req.at,
            rules=json.dumps(decision.as_json() if decision else {}, ensure_ascii=False),
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            service_id=req.service_id,
            service_version=rec.version,
            employer=req.employer,
            season=req.season,
        ),
    )
    log_body = {
        "decision_id": decision_id,
        "request": rec.kind,
        "outcome": outcome,
        "reason": reason,
        "employer": req.employer,
        "service": req.service_id,
        "service_version": rec.version,
        "season": req.season,
        "at": req.at.isoformat(),
        "citations": list(decision.citations) if decision else [],
        **body,
    }
    kind = "release" if released else "release-refusal"
    leaf = rec.appender(conn, LogRecord(kind, f"dec-{decision_id}", log_body))  # type: ignore[arg-type]
    return decision_id, leaf.index


def _refuse(
    conn: Connection,
    rec: _Record,
    reason: str,
    decision: Decision | None = None,
    detail: dict[str, object] | None = None,
) -> ReleaseOutcome:
    decision_id, index = _write(
        conn, rec, released=False, reason=reason, decision=decision, detail=detail or {}, body={}
    )
    req = rec.request
    return ReleaseOutcome(
        request=rec.kind,
        employer=req.employer,
        service_id=req.service_id,
        season=req.season,
        at=req.at,
        released=False,
        reason=reason,
        decision_id=decision_id,
        log_index=index,
        decision=decision,
        budget=budget(conn, req.employer, req.season),
    )


def release_forecast(
    engine: Engine,
    request: ReleaseRequest,
    source: ForecastSource,
    *,
    appender: Appender = log_store.append,
    signer: NoteSigner | None = None,
) -> ReleaseOutcome:
    """Release a noised aggregate forecast of the employer's pool, or refuse (see module)."""
    with transaction(engine, "release forecast") as conn:
        lock_budget(conn, request.employer, request.season, request.at)
        outcome = _forecast(conn, request, source, appender)
        if signer is not None:
            log_store.issue_checkpoint(conn, signer, request.at)
        return outcome


def _consent(conn: Connection, purpose: str, at: datetime, members: Sequence[int]) -> set[int]:
    verdicts = coverage.verdicts(conn, purpose, at, members)
    return {m for m, v in verdicts.items() if v.valid}


def _forecast(
    conn: Connection, req: ReleaseRequest, source: ForecastSource, appender: Appender
) -> ReleaseOutcome:
    spec, current, version = _service(conn, req.service_id)
    rec = _Record(req, RELEASE_FORECAST, version, appender)
    if spec is None:
        return _refuse(conn, rec, "unknown_service")
    if not current:
        return _refuse(conn, rec, "not_approved")
    pool = load_pool(conn, req.employer, req.season)
    if pool is None:
        return _refuse(conn, rec, "no_pool")
    purpose = spec.purpose_keys()[0] if spec.purposes else ""
    members = sorted({o.member_id for o in pool.member_offers if o.member_id is not None})
    try:
        valid = _consent(conn, purpose, req.at, members)
    except InputError as exc:  # the consent ledger does not know the purpose: fail closed
        return _refuse(conn, rec, "consent_unknown_purpose", detail={"error": str(exc)})
    consented = [o.member_id for o in pool.member_offers if o.member_id in valid]
    confirmed = provision_store.load_confirmation(conn, pool.intake.confirmation_id) is not None
    facts = _facts(spec, req.employer, purpose_key=purpose, attestation_recorded=confirmed)
    decision = _decide(spec, facts)
    if not decision.allowed:
        return _refuse(conn, rec, f"rules_{decision.outcome.value}", decision)
    if not budget(conn, req.employer, req.season).allows(req.epsilon):
        return _refuse(conn, rec, "budget_exhausted", decision, {"epsilon": req.epsilon})
    scores = source.probabilities(req.employer, [m for m in consented if m is not None])
    used = sorted({m for m in consented if m is not None and m in scores})
    if set(used) - valid:  # a source that answers for others must never get through
        raise GovernanceError("the forecast source returned scores for members without consent")
    # The minimum counts the members whose behaviour the forecast actually rests on.
    if len(used) < MIN_POOL:
        detail: dict[str, object] = {"contributing": len(used), "minimum": MIN_POOL}
        return _refuse(conn, rec, "pool_too_small", decision, detail)
    behavioural = [scores[m] for m in consented if m is not None and m in scores]
    # Every uploaded offer stays in the pool: unmatched ones are forecast from the base rate.
    exact = exact_figures(
        behavioural, len(pool.offers) - len(behavioural), source.base_rate, req.level
    )
    figures = release_figures(exact, req.epsilon)
    return _commit(conn, rec, spec, pool, decision, exact, figures, members, valid, used, source)


def _commit(
    conn: Connection,
    rec: _Record,
    spec: ServiceSpec,
    pool: Pool,
    decision: Decision,
    exact: ExactFigures,
    figures: ReleasedFigures,
    members: Sequence[int],
    valid: set[int],
    used: Sequence[int],
    source: ForecastSource,
) -> ReleaseOutcome:
    req = rec.request
    excluded = tuple(m for m in members if m not in valid)
    detail: dict[str, object] = {
        "exact": exact.as_json(),
        "released": figures.as_json(),
        "contributing": len(members),
        "excluded_for_consent": len(excluded),
        "unscored": len(valid & set(members)) - len(used),
        "base_rate_source": source.base_rate_source,
        "intake_id": pool.intake.intake_id,
    }
    decision_id, index = _write(
        conn,
        rec,
        released=True,
        reason="released",
        decision=decision,
        detail=detail,
        # The public leaf carries only noised figures: an exact count of persons would tell
        # an employer who adds one applicant whether that person consented.
        body={
            "figures": figures.as_json(),
            "epsilon": figures.epsilon,
            # Who contributed, as a commitment only members can check (docs/rights.md).
            "members": member_store.commit_members(conn, used, len(pool.offers), req.at),
        },
    )
    after = spend(
        conn,
        req.employer,
        req.season,
        figures.epsilon,
        decision_id=decision_id,
        actor=req.actor,
        at=req.at,
    )
    provision_id = provision_store.record_provision(
        conn,
        provision.Provision(
            decision_id=decision_id,
            recipient=req.employer,
            recipient_class=spec.recipients.recipient_class,
            items="aggregate forecast with differential-privacy noise: "
            + ", ".join(figures.as_json()),
            consent_basis=f"consent for purpose {spec.purpose_keys()[0]}, valid at "
            f"{req.at.isoformat()} (APPI Art. 27(1))",
            persons=len(used),
            provided_at=req.at,
        ),
        used,
    )
    return ReleaseOutcome(
        request=rec.kind,
        employer=req.employer,
        service_id=req.service_id,
        season=req.season,
        at=req.at,
        released=True,
        reason="released",
        decision_id=decision_id,
        log_index=index,
        decision=decision,
        budget=after,
        figures=figures,
        exact=exact,
        contributing=len(members),
        excluded_member_ids=excluded,
        provision_id=provision_id,
    )


def release_individual(
    engine: Engine, request: ReleaseRequest, *, appender: Appender = log_store.append
) -> ReleaseOutcome:
    """An attempt to send individual scores: refused and recorded with its citations."""
    with transaction(engine, "release individual") as conn:
        spec, _, version = _service(conn, request.service_id)
        facts = _facts(
            spec,
            request.employer,
            granularity=Granularity.INDIVIDUAL,
            derived_evaluation=True,
            output_keys=frozenset({"employer_applicant_id"}),
            recipient_class=EMPLOYER_CLASS,
        )
        decision = _decide(spec, facts)
        rec = _Record(request, RELEASE_INDIVIDUAL, version, appender)
        # The mandatory rule denies this whatever the configuration; refuse even if not.
        return _refuse(conn, rec, "individual_release_refused", decision)


def budget_of(engine: Engine, employer: str, season: int) -> Budget:
    with reading(engine, "budget of") as conn:
        return budget(conn, employer, season)
