"""Request a forecast: an employer user's own, or staff's on an employer's behalf; and the
employer's own past releases and their log receipts.

Both go through the release door (:func:`fairfollow.release.door.release_forecast`) in one
call, dated by the clock the adapter passes in. The door alone refuses a backdated request
(an instant before the ledger's clock, the latest log leaf): neither front door has a rule
of its own. The model's scores are loaded the same way for both, lazily
(:class:`fairfollow.model.scores.LazySource`), so a refusal never waits for the model.

An identical request — same employer, service (and its version), season, ε, model, data
and uploaded pool — gets the release the first one got, marked ``repeated``, at no further
ε: the door looks it up under its budget lock (:func:`fairfollow.release.history.repeat_of`),
so a reload, a second click or a script's retry never spends twice.

Who acts is recorded as :func:`~fairfollow.accounts.account.actor_of` the principal.
The employer's own request reads the employer, the season and the service from the
principal and the workspace, never from input; staff name them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.actor import DOOR
from fairfollow.errors import AuthenticationError, InputError
from fairfollow.intake.pool_store import latest_intake
from fairfollow.ledger.transaction import Engine, reading, transaction
from fairfollow.model.runs import CURRENT_POINTER
from fairfollow.model.scores import ForecastSource, LazySource, model_scores
from fairfollow.release import desk, history
from fairfollow.release.budget import Budget, PrivacyLimits
from fairfollow.release.door import (
    DEFAULT_EPSILON,
    ReleaseRequest,
    release_forecast,
    release_individual,
)
from fairfollow.release.refusal import Refusal, budget_refusal
from fairfollow.release.view import ReleaseOutcome, ReleaseRecord
from fairfollow.services import store as service_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.receipt import Receipt
from fairfollow.workspace import Workspace

ScoresLoader = Callable[[Workspace, int, int], ForecastSource]


@dataclass(frozen=True)
class ReleaseDesk:
    """What a release needs from the workspace: its ledger, the log publisher (the door issues
    a checkpoint), the configured ε range and caps, and how the model's scores are loaded."""

    engine: Engine
    workspace: Workspace
    publisher: LogPublisher
    limits: PrivacyLimits
    scores: ScoresLoader = model_scores

    def source(self, season: int, training_season: int) -> ForecastSource:
        """The scores, loaded only when the door first asks for one."""
        return LazySource(lambda: self.scores(self.workspace, season, training_season))


@dataclass(frozen=True)
class OwnForecastAsk:
    """An employer user's request: only the ε to spend (the rest is the principal's)."""

    epsilon: float = DEFAULT_EPSILON


@dataclass(frozen=True)
class ForecastAsk:
    """Staff's request for an employer: ``internal`` asks for the platform's record (exact
    figures), which needs :attr:`Action.RELEASE_INTERNAL` as well."""

    employer: str
    service_id: str
    season: int
    epsilon: float = DEFAULT_EPSILON
    training_season: int | None = None  # default: the season before
    internal: bool = False


@dataclass(frozen=True)
class Forecast:
    """The door's outcome and which view of it the caller may have."""

    outcome: ReleaseOutcome
    internal: bool = False

    @property
    def released(self) -> bool:
        return self.outcome.released

    @property
    def repeated(self) -> bool:
        """The release of an identical earlier request, returned at no further ε."""
        return self.outcome.repeated

    @property
    def record(self) -> ReleaseRecord:
        return self.outcome.record()

    def as_json(self) -> dict[str, object]:
        """The employer's record, or the platform's (only for a caller allowed it)."""
        return self.outcome.as_json() if self.internal else self.record.as_json()


def request_own_forecast(
    principal: Principal | None, ask: OwnForecastAsk, desk_: ReleaseDesk, now: datetime
) -> Forecast:
    """The signed-in employer user's forecast of its own employer's pool this season."""
    me = require(principal, Action.EMPLOYER_FORECAST)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_FORECAST)
    season = desk.season_of(desk_.workspace, now)
    with reading(desk_.engine, "forecast service") as conn:
        service_id, _ = desk.forecast_service(conn, me.employer)
    request = ReleaseRequest(me.employer, service_id, season, now, ask.epsilon, actor_of(me))
    return Forecast(_release(desk_, request, season - 1))


def request_forecast(
    principal: Principal | None, ask: ForecastAsk, desk_: ReleaseDesk, now: datetime
) -> Forecast:
    """Staff (analyst, operator, privacy officer) ask for an employer's forecast."""
    me = require(principal, Action.RELEASE_FORECAST)
    if ask.internal:  # the platform's record holds exact figures
        require(me, Action.RELEASE_INTERNAL)
    request = ReleaseRequest(
        ask.employer, ask.service_id, ask.season, now, ask.epsilon, actor_of(me)
    )
    training = ask.season - 1 if ask.training_season is None else ask.training_season
    return Forecast(_release(desk_, request, training), internal=ask.internal)


def attempt_individual(
    principal: Principal | None, employer: str, service_id: str, season: int, engine: Engine,
    now: datetime,
) -> Forecast:  # fmt: skip
    """An attempt to send individual scores: always refused by the door and recorded with
    its citations. Open to any caller, as before: a refusal spends nothing and is evidence
    (the attempt is recorded under the account when one is signed in)."""
    actor = DOOR if principal is None else actor_of(principal)
    request = ReleaseRequest(employer, service_id, season, now, actor=actor)
    return Forecast(release_individual(engine, request))


def _file_mark(path: Path) -> str:
    """A file's size and modification time: changes when it is rewritten (no hashing of
    large files on every request)."""
    try:
        found = path.stat()
    except OSError:
        return "-"
    return f"{found.st_size}:{found.st_mtime_ns}"


def snapshot_of(
    desk_: ReleaseDesk, employer: str, service_id: str, season: int, training_season: int
) -> str:
    """What a forecast would be computed from: the current model, the season's and the
    training season's features and offers, the employer's latest list and the service's
    version. Two requests with the same snapshot and ε would get the same figures' law."""
    ws = desk_.workspace
    pointer = ws.models_dir / CURRENT_POINTER
    model = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else "-"
    # The analytics layout of fairfollow.model.feature_source (not imported: it loads Ibis).
    data = ";".join(
        _file_mark(ws.analytics_dir / table / f"season={s}" / f"{table}.parquet")
        for s in (season, training_season)
        for table in ("features", "offers")
    )
    with reading(desk_.engine, "forecast snapshot") as conn:
        intake = latest_intake(conn, employer, season)
        version = service_store.latest_version(conn, service_id)
    pool = "-" if intake is None else str(intake.intake_id)
    return f"model={model}|data={data}|training={training_season}|pool={pool}|v={version}"


def _release(desk_: ReleaseDesk, request: ReleaseRequest, training_season: int) -> ReleaseOutcome:
    snapshot = snapshot_of(
        desk_, request.employer, request.service_id, request.season, training_season
    )
    return release_forecast(
        desk_.engine,
        replace(request, snapshot=snapshot),
        desk_.source(request.season, training_season),
        publisher=desk_.publisher,
        limits=desk_.limits,
        repeat=history.repeat_of,
    )


def _own_employer(principal: Principal | None) -> str:
    me = require(principal, Action.EMPLOYER_READ)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_READ)
    return me.employer


def own_releases(principal: Principal | None, engine: Engine) -> tuple[ReleaseRecord, ...]:
    """The signed-in employer's forecast requests, newest first, as the log holds them."""
    employer = _own_employer(principal)
    with reading(engine, "employer releases") as conn:
        return tuple(r.record(employer) for r in history.past_releases(conn, employer))


def own_receipt(
    principal: Principal | None, engine: Engine, decision_id: int, publisher: LogPublisher,
    now: datetime,
) -> Receipt:  # fmt: skip
    """The log receipt of one of the employer's own releases (another's is unknown to it);
    issuing it may add a checkpoint, hence the publisher."""
    employer = _own_employer(principal)
    with transaction(engine, "employer receipt") as conn:
        return history.release_receipt(conn, employer, decision_id, publisher, now)


# The ε a form suggests: a quarter of what remains, never more than this, on a 0.05 grid.
SUGGESTED_MAX = 0.5
_GRID = 0.05


def suggested_epsilon(remaining: float, limits: PrivacyLimits) -> float:
    """A sane first ε: a quarter of what remains (at most :data:`SUGGESTED_MAX`), within
    the allowed range — never the largest ε allowed, which would spend fast."""
    quarter = int(remaining / 4 / _GRID + 1e-9) * _GRID
    found = min(SUGGESTED_MAX, limits.epsilon_max, quarter)
    return round(max(limits.epsilon_min, found), 2)


@dataclass(frozen=True)
class ForecastPreview:
    """What a forecast request would cost before it is made: the ε asked for, the budget
    now and after, and the refusal the door would give for the ε alone (out of range,
    more than remains, used up) — checked again by the door when the request is made."""

    epsilon: float
    budget: Budget
    suggested: float
    refusal: Refusal | None

    @property
    def remaining_after(self) -> float:
        return max(0.0, self.budget.remaining - self.epsilon)


def preview_own_forecast(
    principal: Principal | None, epsilon: float | None, desk_: ReleaseDesk, now: datetime
) -> ForecastPreview:
    """The employer user's forecast as it would be asked: cost, what remains after, and
    whether the ε alone would be refused. Spends and records nothing. ``None``: the ε
    suggested for this budget."""
    me = require(principal, Action.EMPLOYER_READ)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_READ)
    with reading(desk_.engine, "forecast preview") as conn:
        held = desk.standing(conn, desk_.workspace, me.employer, now).budget
    suggested = suggested_epsilon(held.remaining, desk_.limits)
    asked = suggested if epsilon is None else epsilon
    refusal: Refusal | None = None
    if not desk_.limits.epsilon_allowed(asked):
        low, high = desk_.limits.epsilon_min, desk_.limits.epsilon_max
        refusal = Refusal("release.refused.epsilon_outside", {"low": low, "high": high})
    elif not held.allows(asked):
        refusal = budget_refusal(held.cap, held.remaining)
    return ForecastPreview(asked, held, suggested, refusal)


def own_release(principal: Principal | None, engine: Engine, decision_id: int) -> ReleaseRecord:
    """One of the signed-in employer's releases (or refusals), as the log holds it."""
    for found in own_releases(principal, engine):
        if found.decision_id == decision_id:
            return found
    raise InputError("release.not_your_release", release=f"dec-{decision_id}")
