"""A season's raw logs into the workspace, the analysts' model pipeline on it, and the
analyst's ingest report.

:func:`ingest_season` is a pipeline step: the workspace's own shell runs it
(``pipeline.run`` is open to the local audience only, never to the web). It loads the raw
platform logs into the analytics store (validated, quarantined, idempotent) and the consent
logs into the ledger, and records which season the workspace was built from.
:func:`run_model_demo` (``make demo``) builds features, trains, evaluates and backtests on a
simulated season, also from the shell only.
:func:`ingest_report` is what the analyst's console shows (``ingest.report``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, check
from fairfollow.consent.ingest import ConsentIngestSummary, ingest_consent_logs
from fairfollow.errors import InputError
from fairfollow.events import store as event_store
from fairfollow.events.engines import ValidationEngine
from fairfollow.events.history import IngestHistory, ingest_history
from fairfollow.intake.desk import matching_key
from fairfollow.ledger.engine import new_workspace_ledger, refuse_lost_ledger, workspace_ledger
from fairfollow.workspace import Workspace

if TYPE_CHECKING:  # the analysis stack loads only when the model demo runs
    from fairfollow.model.analysis import FeatureRun, HiringPlan, TrainResult
    from fairfollow.model.backtest import BacktestReport
    from fairfollow.model.evaluation import EvaluationReport

Progress = Callable[[str, int | None, int | None], None]  # step, done, total


def _quiet(step: str, done: int | None, total: int | None) -> None:
    return None


@dataclass(frozen=True)
class SeasonIngestReport:
    """What an ingest did: the analytics store's part and the consent ledger's."""

    events: event_store.IngestSummary
    consent: ConsentIngestSummary

    def as_json(self) -> dict[str, object]:
        consent = {**self.consent.__dict__, "quarantined": dict(self.consent.quarantined)}
        return {"analytics": self.events.as_dict(), "consent_ledger": consent}


def ingest_season(
    principal: Principal | None,
    workspace: Workspace,
    season_dir: Path,
    *,
    local: bool,
    now: datetime,
    validation: ValidationEngine | None = None,
    on_progress: Progress = _quiet,
) -> SeasonIngestReport:
    """Raw platform logs into the analytics store, consent logs into the ledger; the
    workspace then remembers the season it was built from."""
    check(principal, Action.PIPELINE_RUN, local=local)
    if not season_dir.is_dir():
        raise InputError("usecases.no_season_dir", path=str(season_dir))

    def advance(step: event_store.IngestProgress) -> None:
        on_progress(f"ingest {step.table}", step.done, step.total)

    refuse_lost_ledger(workspace)  # before anything is stored
    events = event_store.ingest(
        workspace, season_dir, on_progress=advance, now=now, engine=validation
    )
    on_progress("consent ledger", None, None)
    engine = new_workspace_ledger(workspace)
    try:
        key = matching_key(workspace.keys_dir)
        consent = ingest_consent_logs(engine, season_dir, key=key, now=now)
    finally:
        engine.dispose()
    workspace.record_origin(season_dir)
    return SeasonIngestReport(events=events, consent=consent)


def ingest_report(principal: Principal | None, workspace: Workspace) -> IngestHistory:
    """The store's ingested files and quarantine counts per file and reason."""
    check(principal, Action.INGEST_REPORT)
    return ingest_history(workspace)


class DemoStep(StrEnum):
    """The model demo's steps, announced to the sink before each one runs."""

    FEATURES = "features"
    TRAINING = "training"
    EVALUATION = "evaluation"
    BACKTEST = "backtest"


class ModelDemoSink(Protocol):
    """Where the model demo's steps go as they finish (the CLI renders each one)."""

    def step(self, step: DemoStep, season: int) -> None: ...
    def features(self, run: FeatureRun) -> None: ...
    def training(self, result: TrainResult) -> None: ...
    def evaluation(self, report: EvaluationReport) -> None: ...
    def backtest(self, report: BacktestReport) -> None: ...
    def plans(self, plans: list[HiringPlan]) -> None: ...


def run_model_demo(
    principal: Principal | None,
    workspace: Workspace,
    season_dir: Path,
    sink: ModelDemoSink,
    *,
    local: bool,
    now: datetime,
    seed: int = 0,
) -> None:
    """The analysts' part of ``make demo`` on a simulated season: features of both seasons
    (consented members only), training, evaluation against the simulator's truth, pool
    forecasts and their backtest — each handed to ``sink`` as it finishes."""
    from fairfollow.consent.coverage import consented_members
    from fairfollow.model.analysis import (
        backtest_season,
        build_season_features,
        evaluate_season,
        hiring_plans,
        train_season_model,
    )
    from fairfollow.model.booster import TrainingParams
    from fairfollow.season.calendar import SEASONS

    check(principal, Action.PIPELINE_RUN, local=local)
    training_season, current_season = SEASONS[0].season, SEASONS[-1].season
    ledger = workspace_ledger(workspace)
    try:
        for season in (training_season, current_season):
            sink.step(DemoStep.FEATURES, season)
            consented = consented_members(ledger)
            sink.features(
                build_season_features(
                    workspace, season_dir / "employers", season, consented=consented
                )
            )
    finally:
        ledger.dispose()
    sink.step(DemoStep.TRAINING, training_season)
    params = TrainingParams(seed=seed)
    sink.training(train_season_model(workspace, training_season, params, now=now))
    truth = season_dir / "truth" / "offers.parquet"
    sink.step(DemoStep.EVALUATION, current_season)
    sink.evaluation(evaluate_season(workspace, truth))
    sink.step(DemoStep.BACKTEST, current_season)
    sink.backtest(backtest_season(workspace, truth))
    sink.plans(hiring_plans(workspace))
