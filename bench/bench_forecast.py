"""Forecast-quality benchmark: the released forecast against the noise-free one and the
employer's own naive guess, on the same pools, in one run.

Pipeline (the analysts' real one, in a temporary workspace): ingest the season and its
consent log, build the features of both seasons (the current season's company aggregates
from the season before — the release's sensitivity argument — counting only members whose
consent for ``statistics`` is valid, each clipped), train on the first season, score the
current one.
Each pool's statistic is what the door computes: S = Σ p over its offers, an offer whose
member lacks valid consent for the forecast purpose (the simulator's truth, which the
replay checks the consent ledger agrees with) counted at the base rate (the first season's
share of offers accepted). Pools: every client employer's offers, and random sub-pools of
the season's offers (sizes 20–500). Noise: 1,000 draws of Laplace(1/ε) per pool (numpy's
sampler of the distribution OpenDP uses in the door, so that 5 million draws take seconds).
Interval: :func:`fairfollow.release.figures.plan_intervals`, the door's post-processing.

Figures (goals from the issue): released MAE / noise-free MAE (≤ 1.10); share of noise
draws in which the released MAE over employer pools beats the naive one (≥ 95%); mean
90% interval width / pool (≤ 0.18 at ε = 1); coverage of the 90% interval on random
sub-pools (90 ± 3 points) and on employer pools (≥ 87%). The naive guess is the employer's
previous-season acceptance rate × its offers (for a sub-pool: each offer at its employer's
previous rate), with a binomial 90% interval at that rate.

Season: ``FAIRFOLLOW_BENCH_FORECAST_SEASON`` (a ``fairfollow simulate`` directory, e.g. seed
2024 at 20,000 students), else the bench's own season.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from fairfollow.release.figures import plan_intervals
from fairfollow.workspace import Workspace

Report = Callable[..., None]
EPSILON = 1.0
DRAWS = 1_000
SUB_POOLS = 5_000
SUB_POOL_SIZES = (20, 50, 100, 200, 500)
SEASON, TRAINING = 2020, 2019
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Pools:
    """Per pool: offers n, statistic S, widening w, realised count, naive guess."""

    n: np.ndarray
    s: np.ndarray
    w: np.ndarray
    realised: np.ndarray
    naive: np.ndarray


def _season_dir() -> Path:
    chosen = os.environ.get("FAIRFOLLOW_BENCH_FORECAST_SEASON") or os.environ.get(
        "FAIRFOLLOW_BENCH_SEASON"
    )
    if not chosen:
        raise RuntimeError("no season: set FAIRFOLLOW_BENCH_FORECAST_SEASON")
    return Path(chosen)


@dataclass(frozen=True)
class Scored:
    frame: pd.DataFrame  # the current season's offers: p, consent, outcome, naive rate
    base_rate: float
    dispersion: float
    widening: object


def scored_season(season_dir: Path, root: Path) -> Scored:
    """The current season's offers with p, consent and outcome, and the model's public
    parameters exactly as the door gets them (``model_scores``)."""
    from fairfollow.consent.coverage import consented_members
    from fairfollow.consent.ingest import ingest_consent_logs
    from fairfollow.events import store as event_store
    from fairfollow.intake.desk import matching_key
    from fairfollow.ledger.engine import create_ledger
    from fairfollow.model import analysis
    from fairfollow.model.booster import load_model
    from fairfollow.model.evaluation import scored_offers
    from fairfollow.model.feature_source import read_features
    from fairfollow.model.scores import model_scores

    workspace = Workspace(root)
    workspace.ensure()
    at = analysis.forecast_date(SEASON)
    event_store.ingest(workspace, season_dir, now=at)
    ledger = create_ledger(workspace.ledger_url)
    try:  # the company aggregates count members whose consent for statistics is valid
        key = matching_key(workspace.keys_dir)
        ingest_consent_logs(ledger, season_dir, key=key, now=at)
        for s in (TRAINING, SEASON):
            analysis.build_season_features(
                workspace, season_dir / "employers", s, consented=consented_members(ledger)
            )
    finally:
        ledger.dispose()
    analysis.train_season_model(workspace, TRAINING, now=at)
    model = load_model(workspace.models_dir)
    source = model_scores(workspace, SEASON, TRAINING)
    scored = scored_offers(model, read_features(workspace, SEASON).table)
    truth = pq.read_table(season_dir / "truth" / "offers.parquet").to_pandas()
    consent = pq.read_table(season_dir / "truth" / "consent.parquet").to_pandas()
    valid = consent[
        (consent.purpose_key == "employer_forecast") & (consent.season == SEASON) & consent.valid
    ]
    previous = truth[truth.season == TRAINING]
    base_rate = source.base_rate
    rates = previous.groupby("company_id").accepted.mean()
    now = truth[truth.season == SEASON][["member_id", "company_id", "accepted"]]
    frame = scored.astype({"member_id": "int64", "company_id": "int64"}).merge(
        now.astype({"member_id": "int64", "company_id": "int64"}),
        on=["member_id", "company_id"],
        how="inner",
    )
    frame["consented"] = frame.member_id.isin(set(valid.member_id.astype("int64")))
    frame["p"] = np.where(frame.consented, frame.p_model, base_rate)
    frame["naive_rate"] = frame.company_id.map(rates).fillna(base_rate)
    return Scored(frame, base_rate, source.dispersion, model.metadata.widening)


def _pools(frame: pd.DataFrame, groups: list[np.ndarray], widening: object) -> Pools:
    p = frame.p.to_numpy()
    accepted = frame.accepted.to_numpy().astype(float)
    naive = frame.naive_rate.to_numpy()
    companies = frame.company_id.to_numpy().astype(np.int64)
    return Pools(
        n=np.array([len(g) for g in groups], dtype=np.float64),
        s=np.array([p[g].sum() for g in groups]),
        w=np.array([widening.extra_variance(companies[g]) for g in groups]),  # type: ignore[attr-defined]
        realised=np.array([accepted[g].sum() for g in groups]),
        naive=np.array([naive[g].sum() for g in groups]),
    )


def pool_sets(frame: pd.DataFrame, widening: object) -> tuple[Pools, Pools]:
    employer = [np.flatnonzero(frame.company_id.to_numpy() == c) for c in frame.company_id.unique()]
    rng = np.random.default_rng(2024)
    sizes = rng.choice(SUB_POOL_SIZES, SUB_POOLS)
    random = [rng.choice(len(frame), int(k), replace=False) for k in sizes]
    return _pools(frame, employer, widening), _pools(frame, random, widening)


@dataclass(frozen=True)
class Quality:
    released_mae: float
    noise_free_mae: float
    naive_mae: float
    beats_naive: float  # share of noise draws where released MAE < naive MAE
    released_width: float  # mean 90% width / pool
    noise_free_width: float
    naive_width: float
    released_coverage: float
    noise_free_coverage: float
    naive_coverage: float
    coverage_80: float


def quality(pools: Pools, rng: np.random.Generator, dispersion: float) -> Quality:
    scale = 1.0 / EPSILON
    noisy = pools.s[None, :] + rng.laplace(0.0, scale, (DRAWS, pools.s.size))
    n = np.broadcast_to(pools.n, noisy.shape)
    w = np.broadcast_to(pools.w, noisy.shape)
    point = np.clip(noisy, 0.0, n)
    released_err = np.abs(point - pools.realised).mean(axis=1)
    naive_err = np.abs(pools.naive - pools.realised).mean()
    low, high = plan_intervals(noisy.ravel(), n.ravel(), w.ravel(), scale, 0.9, dispersion)
    low, high = low.reshape(noisy.shape), high.reshape(noisy.shape)
    low80, high80 = plan_intervals(noisy.ravel(), n.ravel(), w.ravel(), scale, 0.8, dispersion)
    inside80 = (low80.reshape(noisy.shape) <= pools.realised) & (
        pools.realised <= high80.reshape(noisy.shape)
    )
    free_low, free_high = plan_intervals(pools.s, pools.n, pools.w, 0.0, 0.9, dispersion)
    rate = pools.naive / pools.n
    half = Z90 * np.sqrt(pools.n * rate * (1 - rate))
    naive_low, naive_high = np.round(pools.naive - half), np.round(pools.naive + half)
    return Quality(
        released_mae=float(released_err.mean()),
        noise_free_mae=float(np.abs(pools.s - pools.realised).mean()),
        naive_mae=float(naive_err),
        beats_naive=float(np.mean(released_err < naive_err)),
        released_width=float(((high - low) / n).mean()),
        noise_free_width=float(((free_high - free_low) / pools.n).mean()),
        naive_width=float(((naive_high - naive_low) / pools.n).mean()),
        released_coverage=float(((low <= pools.realised) & (pools.realised <= high)).mean()),
        noise_free_coverage=float(
            ((free_low <= pools.realised) & (pools.realised <= free_high)).mean()
        ),
        naive_coverage=float(
            ((naive_low <= pools.realised) & (pools.realised <= naive_high)).mean()
        ),
        coverage_80=float(inside80.mean()),
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run(report: Report) -> None:
    season_dir = _season_dir()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-forecast-") as tmp:
        scored = scored_season(season_dir, Path(tmp) / "ws")
    prepared = time.perf_counter() - started
    employer, random = pool_sets(scored.frame, scored.widening)
    rng = np.random.default_rng(7)
    emp = quality(employer, rng, scored.dispersion)
    sub = quality(random, rng, scored.dispersion)
    where = f"{season_dir.name}; {employer.n.size} employer pools of {employer.n.min():.0f}–"
    where += f"{employer.n.max():.0f} offers, {random.n.size:,} sub-pools, {DRAWS:,} draws"
    report("forecast_pipeline_time", prepared, "s", f"ingest, features, train; load {load:.1f}")
    report("forecast_base_rate", scored.base_rate, "", where)
    report("forecast_dispersion", scored.dispersion, "", "κ of the model on the training season")
    for label, q in (("employer", emp), ("subpool", sub)):
        report(f"{label}_mae_released", q.released_mae, "acc.", f"ε={EPSILON:g}")
        report(f"{label}_mae_noise_free", q.noise_free_mae, "acc.")
        report(f"{label}_mae_naive", q.naive_mae, "acc.", "previous-season rate × offers")
        report(f"{label}_width90_released", q.released_width, "×pool")
        report(f"{label}_width90_noise_free", q.noise_free_width, "×pool")
        report(f"{label}_width90_naive", q.naive_width, "×pool", "binomial at that rate")
        report(f"{label}_coverage90_released", q.released_coverage, "")
        report(f"{label}_coverage90_noise_free", q.noise_free_coverage, "")
        report(f"{label}_coverage90_naive", q.naive_coverage, "")
        report(f"{label}_coverage80_released", q.coverage_80, "")
    ratio = emp.released_mae / emp.noise_free_mae
    report("goal_mae_ratio", ratio, "x", f"≤ 1.10: {_verdict(ratio <= 1.10)}")
    ok = emp.beats_naive >= 0.95
    report("goal_beats_naive", emp.beats_naive, "", f"≥ 0.95: {_verdict(ok)}")
    ok = emp.released_width <= 0.18
    report("goal_width90", emp.released_width, "×pool", f"≤ 0.18: {_verdict(ok)}")
    ok = abs(sub.released_coverage - 0.90) <= 0.03
    report("goal_coverage_subpools", sub.released_coverage, "", f"0.90 ± 0.03: {_verdict(ok)}")
    ok = emp.released_coverage >= 0.87
    report("goal_coverage_employers", emp.released_coverage, "", f"≥ 0.87: {_verdict(ok)}")


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:32s} {value:10.4f} {unit:6s} {note}")

    run(_print)
