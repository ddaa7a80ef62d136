"""The release door: the only code path that produces anything for an outside recipient.

``release_forecast`` runs, in **one** ledger transaction that first locks the employer's
privacy budget for the season:

1. the release instant is not earlier than the ledger's clock (the latest log leaf), read
   under the budget lock and the log's append lock: a request dated now (within
   :data:`LIVE_WINDOW` of the ledger database's own clock) that others overtook while it
   waited is ordered after them, at the clock; one dated further back is refused; and
   the ε asked for lies within the configured range (:class:`PrivacyLimits`);
2. the service is approved, and the approval covers its current version;
3. the purpose relied on is the service's one purpose whose recipient class is the
   release's recipient — an employer, whatever the service calls its recipients; none or
   several such purposes is a ``gap``;
4. the pool has at least :data:`~fairfollow.release.figures.MIN_POOL` uploaded offers (a
   public count: the employer's own upload, never the number of consenting members);
5. the rule engine allows the release (every rule's outcome and citation is kept);
6. consent filter and odometer: members whose consent for the purpose is not valid at the
   release instant, or whose season odometer (ε over all employers and services) would
   pass the member cap, are left out of the behavioural data — their offers count at the
   base rate, and the internal record says how many were;
7. one statistic, S = Σp (:mod:`fairfollow.release.statistic`), plus OpenDP Laplace noise
   of scale 1/ε, paid from the employer's budget and every used member's odometer;
8. the decision, the ε spent (employer and members), the APPI Art. 29 provision record
   (with its subjects) and the transparency-log leaf are written, and the transaction
   commits — or, if any of it fails, nothing is written and nothing is returned.

A refusal is a value: it is recorded (decision row and log leaf) and returned, with no ε
spent. ``release_individual`` exists so that an attempt to send individual scores is
refused and recorded with its citations, whatever the service's configuration says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fairfollow.actor import DOOR, Actor
from fairfollow.canonical_json import JsonValue
from fairfollow.consent import coverage
from fairfollow.errors import GovernanceError, InputError
from fairfollow.intake.pool_store import Pool, load_pool
from fairfollow.law.packs import RULES
from fairfollow.law.rules import (
    Decision,
    Granularity,
    Outcome,
    ReleaseFacts,
    RuleConfig,
    RuleContext,
    evaluate,
)
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction
from fairfollow.model.scores import ForecastSource
from fairfollow.records import decision_store, provision, provision_store
from fairfollow.release.budget import DEFAULT_LIMITS, Budget, PrivacyLimits
from fairfollow.release.budget_store import (
    budget,
    charge_members,
    lock_budget,
    lock_members,
    spend,
)
from fairfollow.release.figures import MIN_POOL, exact_figures, release_figures
from fairfollow.release.figures import prepare as prepare_figures
from fairfollow.release.leaf import SALT_DETAIL, LeafFacts, leaf_body, ledger_clock, open_figures
from fairfollow.release.product import FORECAST, Product, pool_terms
from fairfollow.release.purpose import EMPLOYER_CLASS, release_purpose
from fairfollow.release.statistic import pool_statistic
from fairfollow.release.view import ReleaseOutcome
from fairfollow.services import store
from fairfollow.services.registry import ServiceSpec
from fairfollow.tlog import member_store
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher, publish_checkpoint
from fairfollow.tlog.record import LeafKind, LogRecord

RELEASE_FORECAST = "release_forecast"
RELEASE_INDIVIDUAL = "release_individual"
DEFAULT_EPSILON = 1.0
# How far from the ledger database's clock a request's instant may be and still count as
# "now": one overtaken while it waited for the lock is ordered by the ledger, not refused.
LIVE_WINDOW = timedelta(minutes=5)
Appender = Callable[[Connection, LogRecord], log_store.LeafRef]


@dataclass(frozen=True)
class ReleaseRequest:
    employer: str
    service_id: str
    season: int
    at: datetime  # consent is evaluated at this instant, and the release recorded with it
    epsilon: float = DEFAULT_EPSILON
    actor: Actor = DOOR  # the door itself, when no account asks
    # What the figures would be computed from (model, data, pool, service version), as the
    # caller fingerprints it: kept with a release so an identical request can find it.
    snapshot: str = ""


# An earlier identical release, looked up under the budget lock (None: release anew).
Repeat = Callable[[Connection, ReleaseRequest], ReleaseOutcome | None]


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
        "purpose_key": "",
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
    claimed_at: datetime | None = None  # the request's own instant, when the ledger moved it
    product: str = "forecast"  # the release kind (release/product.py), kept with refusals too


def _write(
    conn: Connection,
    rec: _Record,
    *,
    reason: str,
    decision: Decision | None,
    detail: dict[str, object],
    released: dict[str, object] | None = None,
    epsilon: float | None = None,
    members: JsonValue | None = None,
) -> tuple[int, int]:
    """The decision row and its log leaf; returns (decision id, leaf index)."""
    req = rec.request
    if rec.claimed_at is not None:  # the decision says the ledger ordered it after the clock
        detail = {**detail, "claimed_at": rec.claimed_at.isoformat()}
    if rec.product != "forecast":
        detail = {**detail, "product": rec.product}
    gap = reason.endswith("gap") or (decision is not None and decision.outcome is Outcome.GAP)
    outcome = "allow" if released is not None else ("gap" if gap else "deny")
    # The leaf commits to the figures; their opening stays with the decision (release/leaf).
    opening = None if released is None else open_figures(released)  # type: ignore[arg-type]
    if opening is not None:
        detail = {**detail, SALT_DETAIL: opening.salt.hex()}
    decision_id = decision_store.record_decision(
        conn,
        decision_store.DecisionRecord(
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
    facts = LeafFacts(
        decision_id=decision_id,
        request=rec.kind,
        outcome=outcome,
        reason=reason,
        employer=req.employer,
        service=req.service_id,
        service_version=rec.version,
        season=req.season,
        at=req.at,
        citations=decision.citations if decision else (),
        opening=opening,
        epsilon=epsilon,
        members=members,
    )
    kind = LeafKind.RELEASE if released is not None else LeafKind.RELEASE_REFUSAL
    leaf = rec.appender(conn, LogRecord(kind, f"dec-{decision_id}", leaf_body(facts)))
    return decision_id, leaf.index


def _refuse(
    conn: Connection,
    rec: _Record,
    reason: str,
    decision: Decision | None = None,
    detail: dict[str, object] | None = None,
) -> ReleaseOutcome:
    decision_id, index = _write(conn, rec, reason=reason, decision=decision, detail=detail or {})
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
    publisher: LogPublisher | None = None,
    limits: PrivacyLimits = DEFAULT_LIMITS,
    product: Product = FORECAST,
    repeat: Repeat | None = None,
) -> ReleaseOutcome:
    """Release a noised aggregate forecast of the employer's pool, or refuse (see module);
    ``product`` adds its post-processed figures (:mod:`fairfollow.release.product`).
    ``repeat`` finds an earlier identical release, returned as it is at no further ε; it
    runs under the budget lock, so two identical requests at once release only once."""
    prepare_figures()  # the interval tables, computed before any lock is held
    with transaction(engine, "release forecast") as conn:
        lock_budget(conn, request.employer, request.season, request.at)
        # The clock is read and the leaf appended under one lock: no leaf of another
        # employer's release can slip in between with a later instant (PostgreSQL; SQLite's
        # BEGIN IMMEDIATE already serialises every writer).
        log_store.hold_appends(conn)
        # A request the ledger would refuse as backdated is refused, never answered by a
        # repeat; one it would move to its clock (overtaken while live) may be a repeat.
        earlier = repeat(conn, request) if repeat is not None and _live(conn, request) else None
        if earlier is not None:
            return earlier
        outcome = _forecast(conn, request, source, appender, limits, product)
        if publisher is not None:
            publish_checkpoint(conn, publisher, outcome.at)
        return outcome


def _live(conn: Connection, req: ReleaseRequest) -> bool:
    """Whether the ledger takes ``req`` at its instant or moves it to its clock (not refused
    as backdated): the one test :func:`_timely` applies."""
    clock = ledger_clock(conn)
    if clock is None or req.at >= clock:
        return True
    now = provision_store.ledger_now(conn)
    return req.at >= now - LIVE_WINDOW and clock <= now + LIVE_WINDOW


def _timely(conn: Connection, rec: _Record) -> tuple[_Record, ReleaseOutcome | None]:
    """A request dated before the ledger's clock is moved to the clock if it was dated now
    (the ledger orders concurrent requests), else refused and recorded at the clock."""
    clock = ledger_clock(conn)
    req = rec.request
    if clock is None or req.at >= clock:
        return rec, None
    at_clock = _Record(
        replace(req, at=clock), rec.kind, rec.version, rec.appender, product=rec.product
    )
    if _live(conn, req):
        return replace(at_clock, claimed_at=req.at), None
    detail: dict[str, object] = {"claimed_at": req.at.isoformat(), "clock": clock.isoformat()}
    return at_clock, _refuse(conn, at_clock, "instant_before_ledger_clock", detail=detail)


def _forecast(
    conn: Connection,
    req: ReleaseRequest,
    source: ForecastSource,
    appender: Appender,
    limits: PrivacyLimits,
    product: Product = FORECAST,
) -> ReleaseOutcome:
    spec, current, version = _service(conn, req.service_id)
    record = _Record(req, RELEASE_FORECAST, version, appender, product=product.name)
    rec, refused = _timely(conn, record)
    if refused is not None:
        return refused
    if not limits.epsilon_allowed(req.epsilon):
        detail: dict[str, object] = {
            "epsilon": req.epsilon,
            "range": [limits.epsilon_min, limits.epsilon_max],
        }
        return _refuse(conn, rec, "epsilon_out_of_range", detail=detail)
    if spec is None:
        return _refuse(conn, rec, "unknown_service")
    if not current:
        return _refuse(conn, rec, "not_approved")
    purpose = release_purpose(spec)
    if isinstance(purpose, Decision):
        return _refuse(conn, rec, "purpose_gap", purpose)
    pool = load_pool(conn, req.employer, req.season)
    if pool is None:
        return _refuse(conn, rec, "no_pool")
    if len(pool.offers) < MIN_POOL:  # the employer's own upload count: nothing else leaks
        detail = {"offers": len(pool.offers), "minimum": MIN_POOL}
        return _refuse(conn, rec, "pool_too_small", detail=detail)
    members = sorted({o.member_id for o in pool.member_offers if o.member_id is not None})
    try:
        verdicts = coverage.verdicts(conn, purpose, req.at, members)
    except InputError as exc:  # the consent ledger does not know the purpose: fail closed
        return _refuse(conn, rec, "consent_unknown_purpose", detail={"error": str(exc)})
    valid = {m for m, v in verdicts.items() if v.valid}
    confirmed = provision_store.load_confirmation(conn, pool.intake.confirmation_id) is not None
    facts = _facts(spec, req.employer, purpose_key=purpose, attestation_recorded=confirmed)
    decision = _decide(spec, facts)
    if not decision.allowed:
        return _refuse(conn, rec, f"rules_{decision.outcome.value}", decision)
    held = budget(conn, req.employer, req.season)
    if not held.allows(req.epsilon):
        detail = {"epsilon": req.epsilon, "remaining": held.remaining, "cap": held.cap}
        return _refuse(conn, rec, "budget_exhausted", decision, detail)
    return _release(conn, rec, spec, pool, purpose, decision, valid, source, limits, product)


def _release(
    conn: Connection,
    rec: _Record,
    spec: ServiceSpec,
    pool: Pool,
    purpose: str,
    decision: Decision,
    valid: set[int],
    source: ForecastSource,
    limits: PrivacyLimits,
    product: Product = FORECAST,
) -> ReleaseOutcome:
    req = rec.request
    members = sorted({o.member_id for o in pool.member_offers if o.member_id is not None})
    odometer = lock_members(conn, req.season, sorted(valid), req.at)
    capped = {m for m in valid if not limits.member_allows(odometer.get(m, 0.0), req.epsilon)}
    usable = valid - capped
    scores = source.probabilities(req.employer, sorted(usable))
    if set(scores) - usable:  # a source that answers for others must never get through
        raise GovernanceError("release.scores_for_unasked_members")
    offer_members = [o.member_id for o in pool.offers]
    stat = pool_statistic(offer_members, usable, scores)
    exact = exact_figures(
        stat.behavioural,
        stat.base_rate_offers,
        source.base_rate,
        source.extra_variance(req.employer, len(offer_members)),
        source.dispersion,
    )
    figures = release_figures(exact, req.epsilon * product.forecast_share)
    terms = pool_terms(
        offer_members, usable, scores, source.base_rate, [o.offer_date for o in pool.offers], req.at
    )
    extension = product.extend(figures, exact, terms, req.epsilon - figures.epsilon)
    # the release's ε: the forecast's and the kind's own noise (basic composition)
    figures = replace(figures, epsilon=figures.epsilon + extension.epsilon)
    released = {**figures.as_json(), **extension.figures}
    used = stat.used_members
    excluded = tuple(m for m in members if m not in valid)
    detail: dict[str, object] = {
        "exact": exact.as_json(),
        "released": released,
        "purpose": purpose,
        "matched_members": len(members),
        "excluded_for_consent": len(excluded),
        "excluded_for_member_cap": len(capped),
        "unscored": len(usable) - len(set(scores)),
        "repeated_offers": stat.repeated_offers,
        "used_members": len(used),
        "base_rate_source": source.base_rate_source,
        "intake_id": pool.intake.intake_id,
        "snapshot": req.snapshot,
    }
    decision_id, index = _write(
        conn,
        rec,
        reason="released",
        decision=decision,
        detail=detail,
        released=released,
        epsilon=figures.epsilon,
        # Who contributed, as a commitment only members can check (docs/rights.md).
        members=member_store.commit_members(conn, used, len(pool.offers), req.at),
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
    charge_members(conn, req.season, used, figures.epsilon, req.at)
    provision_id = provision_store.record_provision(
        conn,
        provision.Provision(
            decision_id=decision_id,
            # an outside recipient is an employer, whatever the service's declaration says
            recipient=req.employer,
            recipient_class=EMPLOYER_CLASS,
            items="aggregate forecast with differential-privacy noise: "
            + ", ".join(figures.as_json()),
            consent_basis=f"consent for purpose {purpose}, valid at "
            f"{req.at.isoformat()} (APPI Art. 27(1))",
            persons=len(used),
            provided_at=req.at,
        ),
        list(used),
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
        contributing=len(used),
        excluded_member_ids=excluded,
        capped_member_ids=tuple(sorted(capped)),
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
            purpose_key=spec.purpose_keys()[0] if spec and spec.purposes else "",
        )
        decision = _decide(spec, facts)
        rec, refused = _timely(conn, _Record(request, RELEASE_INDIVIDUAL, version, appender))
        # The mandatory rule denies this whatever the configuration; refuse even if not.
        return refused or _refuse(conn, rec, "individual_release_refused", decision)


def budget_of(engine: Engine, employer: str, season: int) -> Budget:
    with reading(engine, "budget of") as conn:
        return budget(conn, employer, season)
