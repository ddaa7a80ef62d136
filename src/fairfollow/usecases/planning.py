"""What employers plan with: the offers-needed planner, the arrival curve, accuracy first.

A plan is a forecast release through the door (:func:`fairfollow.release.door.release_forecast`)
with the planner's post-processing added (:class:`fairfollow.release.planner.PlanProduct`):
the same checks, the same one ε, the plan in the log leaf. Re-planning for another target
from a past release spends nothing (:func:`replan_own`): it is post-processing of the
released figures and public model values.

The arrival curve is a forecast release whose ε is split between the forecast and one
Laplace draw per week of the curve (:class:`fairfollow.release.arrivals.ArrivalsProduct`);
its arrival shape is the previous season's, as the workspace's season measured it
(:func:`season_shape`).

Accuracy first: an ask may name a 90% interval width instead of an ε; the smallest ε that
meets it is chosen (:func:`fairfollow.release.accuracy.epsilon_for_width`) from the pool's
upload count, public model values and the budget left, and the door then checks and spends
it as usual (a concurrent release that took the budget meanwhile makes the door refuse). When
no affordable ε meets the width, the answer is a refusal with the narrowest width on offer,
and the door is not called (nothing is spent or released).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.errors import AuthenticationError, InputError
from fairfollow.intake.pool_store import load_pool
from fairfollow.ledger.transaction import Engine, reading, transaction
from fairfollow.model.scores import ForecastSource
from fairfollow.release import desk, history
from fairfollow.release.accuracy import EpsilonChoice, epsilon_for_width
from fairfollow.release.arrivals import ArrivalCurve, ArrivalShape, ArrivalsProduct
from fairfollow.release.budget import PrivacyLimits
from fairfollow.release.budget_store import budget
from fairfollow.release.door import DEFAULT_EPSILON, ReleaseRequest, release_forecast
from fairfollow.release.odometer import SeasonOdometer, member_odometer
from fairfollow.release.planner import OfferPlan, PlanProduct
from fairfollow.release.statement import report_cards, report_record, statement_record
from fairfollow.release.view import ReleaseOutcome
from fairfollow.tlog import store as log_store
from fairfollow.usecases.forecast import Forecast, ReleaseDesk
from fairfollow.workspace import Workspace

WEEK = timedelta(days=7)
OFFER_ROWS = 10  # offer weeks before the release the shape tells apart
ShapeLoader = Callable[[Workspace, int], ArrivalShape]


def season_shape(workspace: Workspace, season: int) -> ArrivalShape:
    """The arrival shape of ``season``'s previous season, from the season the workspace was
    built from (its answered offers: offer week before, answer week after its forecast
    date); a workspace with no such season has none to plan with."""
    origin = workspace.origin()
    previous = season - 1
    if origin is None or previous not in origin.forecast_at:
        raise InputError("planning.shape_unavailable", season=previous)
    path = origin.season_dir / "truth" / "offers.parquet"
    if not path.is_file():
        raise InputError("planning.shape_unavailable", season=previous)
    table = pq.read_table(path, columns=["season", "accepted", "offered_at", "responded_at"])
    table = table.filter(pc.and_(pc.equal(table["season"], previous), table["accepted"]))
    frame = table.to_pandas()
    start = origin.forecast_at[previous]
    offered = ((start - frame.offered_at) // WEEK).to_numpy()
    answered = ((frame.responded_at - start) // WEEK).to_numpy()
    if answered.size == 0:
        raise InputError("planning.shape_unavailable", season=previous)
    weeks = int(answered.max()) + 1
    return ArrivalShape.measured(offered, answered, OFFER_ROWS, weeks)


@dataclass(frozen=True)
class PlanAsk:
    """A plan: the acceptances wanted, a pool size to compare (default twice the pool's),
    and either an ε to spend or a 90% interval width to meet (``width`` wins)."""

    target: int
    hypothetical: int | None = None
    epsilon: float = DEFAULT_EPSILON
    width: int | None = None


@dataclass(frozen=True)
class StaffPlanAsk:
    """Staff's plan for an employer (analyst, operator, privacy officer)."""

    employer: str
    service_id: str
    season: int
    ask: PlanAsk
    training_season: int | None = None


@dataclass(frozen=True)
class Arrivals:
    """The door's outcome with its arrival curve (None when refused)."""

    forecast: Forecast
    curve: ArrivalCurve | None

    @property
    def released(self) -> bool:
        return self.forecast.released

    def as_json(self) -> dict[str, object]:
        return {
            "released": self.released,
            "reason": self.forecast.outcome.reason,
            "release": self.forecast.as_json(),
            "arrivals": None if self.curve is None else self.curve.as_json(),
        }


def request_own_arrivals(
    principal: Principal | None,
    epsilon: float,
    desk_: ReleaseDesk,
    now: datetime,
    shapes: ShapeLoader = season_shape,
) -> Arrivals:
    """The signed-in employer user's arrival curve for its own pool this season."""
    me = require(principal, Action.EMPLOYER_FORECAST)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_FORECAST)
    season = desk.season_of(desk_.workspace, now)
    with reading(desk_.engine, "arrivals service") as conn:
        service_id, _ = desk.forecast_service(conn, me.employer)
    request = ReleaseRequest(me.employer, service_id, season, now, epsilon, actor_of(me))
    return _arrivals(desk_, request, season - 1, shapes)


def request_arrivals(
    principal: Principal | None,
    ask: StaffPlanAsk,
    desk_: ReleaseDesk,
    now: datetime,
    shapes: ShapeLoader = season_shape,
) -> Arrivals:
    """Staff ask for an employer's arrival curve (``ask.ask.epsilon``; target unused)."""
    me = require(principal, Action.RELEASE_FORECAST)
    request = ReleaseRequest(
        ask.employer, ask.service_id, ask.season, now, ask.ask.epsilon, actor_of(me)
    )
    training = ask.season - 1 if ask.training_season is None else ask.training_season
    return _arrivals(desk_, request, training, shapes)


def _arrivals(
    desk_: ReleaseDesk, request: ReleaseRequest, training: int, shapes: ShapeLoader
) -> Arrivals:
    product = ArrivalsProduct(shapes(desk_.workspace, request.season))
    outcome = release_forecast(
        desk_.engine,
        request,
        desk_.source(request.season, training),
        publisher=desk_.publisher,
        limits=desk_.limits,
        product=product,
    )
    return Arrivals(Forecast(outcome), _curve(desk_, outcome))


def _curve(desk_: ReleaseDesk, outcome: ReleaseOutcome) -> ArrivalCurve | None:
    """The curve as released: the opening of the figures the release's log leaf commits to."""
    if not outcome.released or outcome.decision_id is None:
        return None
    with reading(desk_.engine, "arrivals leaf") as conn:
        figures = history.opening_of(conn, outcome.decision_id, None).opening.figures
    arrivals = figures.get("arrivals")
    return ArrivalCurve.of_json(dict(arrivals)) if isinstance(arrivals, Mapping) else None


@dataclass(frozen=True)
class Plan:
    """The door's outcome with its plan, or the width refusal (no release was made)."""

    forecast: Forecast | None
    plan: OfferPlan | None
    choice: EpsilonChoice | None = None  # how ε was chosen, when a width was asked

    @property
    def released(self) -> bool:
        return self.forecast is not None and self.forecast.released

    @property
    def reason(self) -> str:
        if self.forecast is None:
            return "width_unreachable"
        return self.forecast.outcome.reason

    def as_json(self) -> dict[str, object]:
        return {
            "released": self.released,
            "reason": self.reason,
            "release": None if self.forecast is None else self.forecast.as_json(),
            "plan": None if self.plan is None else self.plan.as_json(),
            "epsilon_choice": None if self.choice is None else self.choice.as_json(),
        }


def _choose(
    desk_: ReleaseDesk, request: ReleaseRequest, source: ForecastSource, width: int
) -> EpsilonChoice:
    with reading(desk_.engine, "plan epsilon") as conn:
        pool = load_pool(conn, request.employer, request.season)
        left = budget(conn, request.employer, request.season).remaining
    offers = 0 if pool is None else len(pool.offers)
    if offers == 0:  # the door refuses a missing pool itself, at the smallest ε
        return EpsilonChoice(width, desk_.limits.epsilon_min, 0, desk_.limits.epsilon_max)
    return epsilon_for_width(
        width,
        offers,
        source.base_rate,
        source.extra_variance(request.employer, offers),
        source.dispersion,
        desk_.limits.epsilon_min,
        desk_.limits.epsilon_max,
        left,
    )


def _plan(
    desk_: ReleaseDesk, request: ReleaseRequest, ask: PlanAsk, training: int, internal: bool
) -> Plan:
    product = PlanProduct(ask.target, ask.hypothetical)  # checks the ask before any lock
    source = desk_.source(request.season, training)
    choice = None
    if ask.width is not None:
        choice = _choose(desk_, request, source, ask.width)
        if choice.epsilon is None:
            return Plan(None, None, choice)
        request = ReleaseRequest(
            request.employer,
            request.service_id,
            request.season,
            request.at,
            choice.epsilon,
            request.actor,
        )
    outcome = release_forecast(
        desk_.engine,
        request,
        source,
        publisher=desk_.publisher,
        limits=desk_.limits,
        product=product,
    )
    return Plan(Forecast(outcome, internal=internal), _of(outcome, product), choice)


def _of(outcome: ReleaseOutcome, product: PlanProduct) -> OfferPlan | None:
    if outcome.figures is None or outcome.exact is None:
        return None
    return product.plan(outcome.figures, outcome.exact.extra_variance, outcome.exact.dispersion)


def request_own_plan(
    principal: Principal | None, ask: PlanAsk, desk_: ReleaseDesk, now: datetime
) -> Plan:
    """The signed-in employer user's plan for its own pool this season (one release)."""
    me = require(principal, Action.EMPLOYER_FORECAST)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_FORECAST)
    season = desk.season_of(desk_.workspace, now)
    with reading(desk_.engine, "plan service") as conn:
        service_id, _ = desk.forecast_service(conn, me.employer)
    request = ReleaseRequest(me.employer, service_id, season, now, ask.epsilon, actor_of(me))
    return _plan(desk_, request, ask, season - 1, internal=False)


def request_plan(
    principal: Principal | None, ask: StaffPlanAsk, desk_: ReleaseDesk, now: datetime
) -> Plan:
    """Staff ask for an employer's plan (the employer's view of the release)."""
    me = require(principal, Action.RELEASE_FORECAST)
    inner = ask.ask
    request = ReleaseRequest(
        ask.employer, ask.service_id, ask.season, now, inner.epsilon, actor_of(me)
    )
    training = ask.season - 1 if ask.training_season is None else ask.training_season
    return _plan(desk_, request, inner, training, internal=False)


def replan_own(
    principal: Principal | None,
    decision_id: int,
    target: int,
    desk_: ReleaseDesk,
    hypothetical: int | None = None,
) -> OfferPlan:
    """Another target from one of the employer's own past releases: post-processing of its
    released figures and the model's public values — no door, no ε."""
    me = require(principal, Action.EMPLOYER_READ)
    if me.employer is None:
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_READ)
    with reading(desk_.engine, "replan") as conn:
        past = {r.decision_id: r for r in history.past_releases(conn, me.employer)}
    found = past.get(decision_id)
    if found is None or found.figures is None:  # another employer's is unknown to it
        raise InputError("planning.release_unknown", release=f"dec-{decision_id}")
    product = PlanProduct(target, hypothetical)
    source = desk_.source(found.season, found.season - 1)
    n = found.figures.pool_offers
    return product.plan(found.figures, source.extra_variance(me.employer, n), source.dispersion)


def own_odometer(
    principal: Principal | None, engine: Engine, limits: PrivacyLimits
) -> tuple[SeasonOdometer, ...]:
    """The signed-in member's ε per season: the ledger's odometer, its cap, and the release
    leaves that debited it (recounted from the log with the member's own secret)."""
    me = require(principal, Action.MEMBER_READ)
    if me.member_id is None:  # the action table admits members only
        raise AuthenticationError("accounts.sign_in_required", action=Action.MEMBER_READ)
    with reading(engine, "member odometer") as conn:
        return member_odometer(conn, me.member_id, limits.member_cap)


@dataclass(frozen=True)
class SeasonLeaf:
    """A season statement or report card as the log holds it."""

    log_index: int
    body: dict[str, object]


def publish_statement(
    principal: Principal | None, engine: Engine, season: int, limits: PrivacyLimits, now: datetime
) -> SeasonLeaf:
    """Before the season: every product's mechanism, noise, caps and bounds, as a log leaf
    (the privacy officer, who sets the season's budgets)."""
    require(principal, Action.BUDGET_SET)
    record = statement_record(season, limits, now.isoformat())
    with transaction(engine, "season statement") as conn:
        leaf = log_store.append(conn, record)
    return SeasonLeaf(leaf.index, dict(record.body))


def publish_report_card(
    principal: Principal | None,
    engine: Engine,
    season: int,
    realised: Mapping[str, int],
    now: datetime,
) -> SeasonLeaf:
    """After the season: each release kind's releases, refusals, widths and realised
    coverage (against the employers' ``realised`` acceptances, where known), as a log leaf."""
    require(principal, Action.BUDGET_SET)
    with transaction(engine, "season report card") as conn:
        record = report_record(season, report_cards(conn, season, realised), now.isoformat())
        leaf = log_store.append(conn, record)
    return SeasonLeaf(leaf.index, dict(record.body))
