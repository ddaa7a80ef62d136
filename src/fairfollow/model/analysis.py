"""The analysts' pipeline on a workspace: offers → features → model → evaluation → backtest.

Each step is one call that reads what the previous one wrote in the workspace, so the CLI
commands (``model_cli``) and the demo share them. Everything here is internal analysis:
nothing is released to employers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fairfollow.employer_ids import EmployerId
from fairfollow.employers.offers import (
    OfferTable,
    build_offer_table,
    member_identities,
    parse_season_files,
    survey_members,
    write_offer_table,
)
from fairfollow.errors import InputError, ModelError, NotReadyError
from fairfollow.model.backtest import BacktestReport, backtest
from fairfollow.model.booster import (
    SENSITIVE_ATTRIBUTES,
    TrainedModel,
    TrainingParams,
    holdout_frame,
    load_model,
    save_model,
    train,
    training_data,
)
from fairfollow.model.card import render
from fairfollow.model.engines import Engine
from fairfollow.model.evaluation import (
    EvaluationReport,
    evaluate,
    join_truth,
    read_truth_offers,
    scored_offers,
    write_evaluation,
)
from fairfollow.model.fairness import FairnessAudit, audit
from fairfollow.model.feature_source import (
    FeatureBuild,
    FeatureInputs,
    build_features,
    duckdb_backend,
    offers_path,
    read_features,
    read_store_table,
    write_features,
)
from fairfollow.model.features import ConsentedMembers
from fairfollow.model.metrics import reliability_curve
from fairfollow.model.oversight import write_holdout_audit
from fairfollow.model.pool_forecast import OffersNeeded, acceptance_distribution, offers_needed
from fairfollow.season.calendar import SEASONS
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

TRAINING_SEASON = SEASONS[0].season
CURRENT_SEASON = SEASONS[-1].season


def forecast_date(season: int) -> datetime:
    """The season's forecast date: the default as-of time of its features."""
    for calendar in SEASONS:
        if calendar.season == season:
            return datetime.fromtimestamp(calendar.forecast_date / 1000, UTC)
    raise ModelError("model.season_unknown", season=season, known=[c.season for c in SEASONS])


@dataclass(frozen=True)
class FeatureRun:
    offers: OfferTable
    build: FeatureBuild
    path: Path


def _cookie_members(workspace: Workspace) -> dict[str, int]:
    """The platform's cookie sync: cookie id → member (empty when the store holds none)."""
    try:
        links = read_store_table(workspace, "cookie_links").select(["cookie_id", "member_id"])
    except ModelError:
        return {}
    return {
        str(c): int(m)
        for c, m in zip(
            links.column("cookie_id").to_pylist(),
            links.column("member_id").to_pylist(),
            strict=True,
        )
        if c is not None and m is not None
    }


def build_season_features(
    workspace: Workspace,
    employers_dir: Path,
    season: int,
    *,
    as_of: datetime | None = None,
    consented: ConsentedMembers,
    engine: Engine = Engine.DUCKDB,
    backend: Any = None,
    settings: Settings | None = None,
) -> FeatureRun:
    """Match the season's employer offers to members, then build and store its features.

    ``consented`` names the members whose consent for the company aggregates' purpose is
    valid at an instant (the ledger's verdict; ``consent.coverage.consented_members``)."""
    members = read_store_table(workspace, "members")
    offers = build_offer_table(
        parse_season_files(employers_dir, season),
        member_identities(members, season),
        season,
        survey_members(employers_dir, _cookie_members(workspace)),
    )
    write_offer_table(offers, offers_path(workspace, season))
    if backend is None:
        if engine is not Engine.DUCKDB:
            raise ModelError("model.spark_backend_needed")
        backend = duckdb_backend(settings)
    # A season after the first takes its company aggregates from the season before it
    # (the release's sensitivity argument: no member of this season feeds another's score).
    earlier = [c.season for c in SEASONS if c.season == season - 1]
    build = build_features(
        backend,
        engine,
        FeatureInputs.from_workspace(workspace, season),
        season=season,
        as_of=as_of or forecast_date(season),
        consented=consented,
        company_season=earlier[0] if earlier else None,
        company_as_of=forecast_date(earlier[0]) if earlier else None,
    )
    return FeatureRun(offers, build, write_features(workspace, build))


def _attributes(workspace: Workspace) -> pa.Table:
    # Audit only: these columns never reach a feature table or a model.
    return read_store_table(workspace, "member_attributes").select(
        ["member_id", *SENSITIVE_ATTRIBUTES]
    )


def _audit_groups(workspace: Workspace, member_ids: np.ndarray) -> dict[str, np.ndarray]:
    groups = _attributes(workspace).to_pandas().drop_duplicates("member_id").set_index("member_id")
    rows = groups.reindex(member_ids)
    return {a: rows[a].astype("string").to_numpy() for a in SENSITIVE_ATTRIBUTES}


@dataclass(frozen=True)
class TrainResult:
    model: TrainedModel
    folder: Path
    holdout_fairness: FairnessAudit


def train_season_model(
    workspace: Workspace,
    season: int = TRAINING_SEASON,
    params: TrainingParams | None = None,
    *,
    now: datetime,
) -> TrainResult:
    """Train on ``season``'s stored features and reported outcomes; save model and card."""
    features = read_features(workspace, season)
    path = offers_path(workspace, season)
    if not path.exists():
        raise NotReadyError("model.no_offers", season=season)
    data = training_data(
        features.table, features.feature_names, pq.read_table(path), features.as_of
    )
    model = train(data, params or TrainingParams(), now=now)
    held = holdout_frame(model, data)
    fairness = audit(
        held["accepted"].astype(int).to_numpy(),
        held["p_model"].to_numpy(),
        _audit_groups(workspace, held["member_id"].to_numpy()),
    )
    folder = save_model(model, workspace.models_dir)
    (folder / "MODEL_CARD.md").write_text(render(model.metadata, fairness), encoding="utf-8")
    curve = reliability_curve(held["accepted"].astype(int).to_numpy(), held["p_model"].to_numpy())
    write_holdout_audit(folder, model.metadata.season, fairness, curve)
    return TrainResult(model, folder, fairness)


def evaluate_season(
    workspace: Workspace,
    truth_path: Path,
    season: int = CURRENT_SEASON,
    model_id: str | None = None,
) -> EvaluationReport:
    """Evaluate the (current) model on ``season`` against the truth file; write the reports."""
    model = load_model(workspace.models_dir, model_id)
    features = read_features(workspace, season)
    report = evaluate(model, features.table, read_truth_offers(truth_path), _attributes(workspace))
    report = write_evaluation(report, workspace.reports_dir)
    card = workspace.models_dir / model.metadata.model_id / "MODEL_CARD.md"
    card.write_text(render(model.metadata, evaluation=report), encoding="utf-8")
    return report


def evaluate_against_origin(workspace: Workspace) -> EvaluationReport:
    """Evaluate the current model on the truth of the season the workspace was built from;
    InputError where it was not built from a simulated season (live data has no truth)."""
    origin = workspace.origin()
    if origin is None or not origin.truth_offers.is_file():
        raise InputError("model.no_truth_in_workspace")
    return evaluate_season(workspace, origin.truth_offers)


def backtest_season(
    workspace: Workspace,
    truth_path: Path,
    season: int = CURRENT_SEASON,
    model_id: str | None = None,
    *,
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> BacktestReport:
    """Pool forecasts of ``season``'s offers against the realised counts in the truth."""
    model = load_model(workspace.models_dir, model_id)
    features = read_features(workspace, season)
    joined, _ = join_truth(scored_offers(model, features.table), read_truth_offers(truth_path))
    if joined.empty:
        raise ModelError("model.no_truth_rows")
    return backtest(
        joined["company_id"].to_numpy().astype(np.int64),
        joined["p_model"].to_numpy(),
        joined["accepted"].astype(bool).to_numpy(),
        widening=model.metadata.widening,
        seeds=seeds,
    )


@dataclass(frozen=True)
class HiringPlan:
    """How many more offers an employer's pool needs to reach a hiring target."""

    pool: str
    offers: int
    expected: float
    target: int
    plan: OffersNeeded


def hiring_plans(
    workspace: Workspace,
    season: int = CURRENT_SEASON,
    *,
    uplift: float = 0.05,
    confidence: float = 0.9,
    pools: int = 3,
) -> list[HiringPlan]:
    """For the largest employer pools: extra offers (alike the pool's own) that reach
    ``(1 + uplift)`` times the expected acceptances with ``confidence``. No truth is read."""
    model = load_model(workspace.models_dir)
    scored = scored_offers(model, read_features(workspace, season).table)
    sizes = scored.groupby("company_id").size().sort_values(ascending=False)
    plans = []
    for company in sizes.index[:pools]:
        p = scored.loc[scored["company_id"] == company, "p_model"].to_numpy()
        expected = acceptance_distribution(p).mean
        target = int(np.ceil(expected * (1.0 + uplift)))
        plan = offers_needed(p, target, confidence, p.tolist())
        plans.append(HiringPlan(EmployerId(int(company)).text, int(p.size), expected, target, plan))
    return plans
