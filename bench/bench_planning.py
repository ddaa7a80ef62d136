"""Planning benchmark: the offers-needed planner and the arrival curve against the season's
truth, on the pools and noise of the forecast benchmark (``bench_forecast``'s pipeline: the
real ingest, features, model; the door's statistic; numpy's Laplace sampler, 1,000 draws).

Planner (goal: the stated 90% probability realised in 87–93% of pools). Own pool: the
acceptances the planner says an employer's offers reach with 90% probability, from its noised
statistic, against the realised count, over employer pools × draws. Larger pool: each
employer pool split at random in half; the planner, from the half's noised statistic, states
what a pool of all the employer's offers (twice as many, "similar offers") reaches; the
realised count of all of them is checked.

Arrival curve (goals: MAE by week below the naive curve's in ≥ 95% of noise draws;
interval coverage 90 ± 3). Weeks from the season's forecast date to its answer deadline;
the arrival shape (offer week × arrival week) measured on the previous season's accepted
offers; each offer's term as in the forecast (model probability with valid consent, else
the base rate); weekly Laplace(1/ε). Naive curve: the employer's previous-season acceptance
rate × offers × last season's cumulative weekly shape. MAE by week: mean over weeks and
employer pools of |curve − realised cumulative count|.

Season: ``FAIRFOLLOW_BENCH_PLANNING_SEASON``, else ``FAIRFOLLOW_BENCH_FORECAST_SEASON`` /
``FAIRFOLLOW_BENCH_SEASON`` (a ``fairfollow simulate`` directory).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from bench.bench_forecast import SEASON, TRAINING, Report, scored_season
from fairfollow.release.arrivals import (
    ArrivalShape,
    ArrivalsProduct,
    cumulative_curve,
    curve_intervals,
    smooth,
)
from fairfollow.release.planner import reached_with

EPSILON = 1.0
DRAWS = 1_000
WEEK = timedelta(days=7)
OFFER_ROWS = 10  # offer weeks before the release the shape tells apart


def _season_dir() -> Path:
    for name in (
        "FAIRFOLLOW_BENCH_PLANNING_SEASON",
        "FAIRFOLLOW_BENCH_FORECAST_SEASON",
        "FAIRFOLLOW_BENCH_SEASON",
    ):
        chosen = os.environ.get(name)
        if chosen:
            return Path(chosen)
    raise RuntimeError("no season: set FAIRFOLLOW_BENCH_PLANNING_SEASON")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass(frozen=True)
class Timed:
    """Per offer: week offered before the release, week answered after it."""

    offer_week: np.ndarray
    arrival_week: np.ndarray
    weeks: int


def _calendar(season: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    from fairfollow.season.calendar import SEASONS

    found = next(c for c in SEASONS if c.season == season)
    start = pd.Timestamp(found.forecast_date, unit="ms", tz="UTC")
    return start, pd.Timestamp(found.answers_by, unit="ms", tz="UTC")


def _timed(offered: pd.Series, responded: pd.Series, season: int) -> Timed:
    start, end = _calendar(season)
    weeks = int(np.ceil((end - start) / WEEK))
    offer_week = ((start - offered) // WEEK).to_numpy().astype(np.int64)
    arrival_week = ((responded - start) // WEEK).to_numpy().astype(np.int64)
    return Timed(offer_week, np.clip(arrival_week, 0, weeks - 1), weeks)


def _shape(truth: pd.DataFrame) -> ArrivalShape:
    previous = truth[(truth.season == TRAINING) & truth.accepted]
    timed = _timed(previous.offered_at, previous.responded_at, TRAINING)
    return ArrivalShape.measured(timed.offer_week, timed.arrival_week, OFFER_ROWS, timed.weeks)


def planner_figures(
    frame: pd.DataFrame, widening: object, dispersion: float, report: Report
) -> None:
    rng = np.random.default_rng(25)
    p = frame.p.to_numpy()
    accepted = frame.accepted.to_numpy().astype(float)
    companies = frame.company_id.to_numpy().astype(np.int64)
    pools = [np.flatnonzero(companies == c) for c in np.unique(companies)]
    pools = [g for g in pools if g.size >= 20]
    n = np.array([g.size for g in pools], dtype=np.float64)
    s = np.array([p[g].sum() for g in pools])
    w = np.array([widening.extra_variance(companies[g]) for g in pools])  # type: ignore[attr-defined]
    realised = np.array([accepted[g].sum() for g in pools])
    noisy = s[None, :] + rng.laplace(0.0, 1.0 / EPSILON, (DRAWS, s.size))
    reached = reached_with(noisy, n, 1.0 / EPSILON, w, dispersion)
    own = float((realised[None, :] >= reached).mean())
    # half → whole: the planner's "similar offers" against the employer's other half
    halves = [rng.permutation(g)[: g.size // 2] for g in pools]
    h = np.array([g.size for g in halves], dtype=np.float64)
    s_half = np.array([p[g].sum() for g in halves])
    w_half = np.array([widening.extra_variance(companies[g]) for g in halves])  # type: ignore[attr-defined]
    noisy_half = s_half[None, :] + rng.laplace(0.0, 1.0 / EPSILON, (DRAWS, s_half.size))
    ratio = n / h
    reached_whole = reached_with(
        noisy_half * ratio, n, ratio / EPSILON, w_half * ratio**2, dispersion
    )
    larger = float((realised[None, :] >= reached_whole).mean())
    note = f"{len(pools)} employer pools of {n.min():.0f}–{n.max():.0f} offers, {DRAWS:,} draws"
    report(
        "planner_own_pool_realised", own, "", f"{note}; 0.87–0.93: {_verdict(0.87 <= own <= 0.93)}"
    )
    report(
        "planner_twice_pool_realised",
        larger,
        "",
        f"half pool → whole; 0.87–0.93: {_verdict(0.87 <= larger <= 0.93)}",
    )


def arrival_figures(
    frame: pd.DataFrame, truth: pd.DataFrame, widening: object, dispersion: float, report: Report
) -> None:
    shape = _shape(truth)
    current = truth[truth.season == SEASON][
        ["member_id", "company_id", "offered_at", "responded_at"]
    ].astype({"member_id": "int64", "company_id": "int64"})
    timed_frame = frame.merge(current, on=["member_id", "company_id"], how="inner")
    timed = _timed(timed_frame.offered_at, timed_frame.responded_at, SEASON)
    weeks = timed.weeks
    rows = shape.of(timed.offer_week)
    terms = timed_frame.p.to_numpy()
    accepted = timed_frame.accepted.to_numpy().astype(bool)
    companies = timed_frame.company_id.to_numpy().astype(np.int64)
    pools = [np.flatnonzero(companies == c) for c in np.unique(companies)]
    pools = [g for g in pools if g.size >= 20]
    n = np.array([g.size for g in pools], dtype=np.float64)
    x = np.stack([terms[g] @ rows[g] for g in pools])  # pools × weeks
    arrivals = np.zeros((len(pools), weeks))
    for i, g in enumerate(pools):
        np.add.at(arrivals[i], timed.arrival_week[g][accepted[g]], 1.0)
    realised = np.cumsum(arrivals, axis=1)
    naive_rate = np.array([timed_frame.naive_rate.to_numpy()[g].mean() for g in pools])
    cumulative_shape = np.cumsum(np.asarray(shape.rows).mean(axis=0))
    naive = (n * naive_rate)[:, None] * cumulative_shape[None, :]
    w = np.array([widening.extra_variance(companies[g]) for g in pools])  # type: ignore[attr-defined]
    rng = np.random.default_rng(26)
    share = ArrivalsProduct.forecast_share  # the door's split of ε
    scale = 1.0 / (EPSILON * (1.0 - share))
    total_scale = 1.0 / (EPSILON * share)
    public = np.stack([rows[g].mean(axis=0) for g in pools])  # each pool's public shape
    noisy = x[None, :, :] + rng.laplace(0.0, scale, (DRAWS, *x.shape))
    s = x.sum(axis=1)  # the forecast's statistic (each offer's row sums to 1)
    total = np.clip(s[None, :] + rng.laplace(0.0, total_scale, (DRAWS, s.size)), 0.0, n)
    smoothed = smooth(noisy, public[None], scale, total, total_scale)
    curve = cumulative_curve(smoothed.increments, np.broadcast_to(n, (DRAWS, n.size)))
    err = np.abs(curve - realised[None]).mean(axis=(1, 2))
    naive_err = float(np.abs(naive - realised).mean())
    by_week = np.abs(curve - realised[None]).mean(axis=1)  # draws × weeks
    naive_week = np.abs(naive - realised).mean(axis=0)
    beats = float((err < naive_err).mean())
    beats_weekly = (by_week < naive_week[None, :]).mean(axis=0)
    low, high = curve_intervals(
        curve,
        np.broadcast_to(n, (DRAWS, n.size)),
        np.broadcast_to(w, (DRAWS, n.size)),
        smoothed.noise_scales,
        dispersion,
    )
    covered = float(((low <= realised[None]) & (realised[None] <= high)).mean())
    free = cumulative_curve(x, n)
    note = f"{len(pools)} employer pools, {weeks} weeks, {DRAWS:,} draws"
    report("arrivals_mae_released", float(err.mean()), "acc.", f"{note}; curve ε={1 / scale:g}")
    report("arrivals_mae_noise_free", float(np.abs(free - realised).mean()), "acc.")
    report("arrivals_mae_naive", naive_err, "acc.", "previous rate × offers × last season's shape")
    report("arrivals_beats_naive", beats, "", f"MAE over weeks; ≥ 0.95: {_verdict(beats >= 0.95)}")
    worst = float(beats_weekly.min())
    report("arrivals_beats_naive_worst_week", worst, "", f"week {int(beats_weekly.argmin())}")
    ok = abs(covered - 0.90) <= 0.03
    report("arrivals_coverage90", covered, "", f"0.90 ± 0.03: {_verdict(ok)}")


def run(report: Report) -> None:
    season_dir = _season_dir()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    cache = os.environ.get("FAIRFOLLOW_BENCH_PLANNING_CACHE")  # a pickle of the scored season
    if cache and Path(cache).is_file():
        scored = pickle.loads(Path(cache).read_bytes())
    else:
        with tempfile.TemporaryDirectory(prefix="fairfollow-bench-planning-") as tmp:
            scored = scored_season(season_dir, Path(tmp) / "ws")
        if cache:
            Path(cache).write_bytes(pickle.dumps(scored))
    report(
        "planning_pipeline_time",
        time.perf_counter() - started,
        "s",
        f"load {load:.1f}; {season_dir.name}",
    )
    truth = pq.read_table(season_dir / "truth" / "offers.parquet").to_pandas()
    planner_figures(scored.frame, scored.widening, scored.dispersion, report)
    arrival_figures(scored.frame, truth, scored.widening, scored.dispersion, report)
    benchmark_figures(season_dir, truth, report)


def _member_counts(season_dir: Path, truth: pd.DataFrame) -> pd.DataFrame:
    """Per (member, company) of the current season: offers, accepted, entries, seminars."""
    import pyarrow.dataset as ds

    events = ds.dataset(season_dir / "raw" / "events" / f"season={SEASON}", format="parquet")
    wanted = ds.field("event_type").isin(["entry", "seminar_booking"])
    table = events.to_table(columns=["member_id", "company_id", "event_type"], filter=wanted)
    frame = table.to_pandas().dropna(subset=["company_id"])
    frame["entries"] = (frame.event_type == "entry").astype(float)
    frame["seminars"] = (frame.event_type == "seminar_booking").astype(float)
    activity = frame.groupby(["member_id", "company_id"])[["entries", "seminars"]].sum()
    offers = truth[truth.season == SEASON].assign(offers=1.0, accepted=lambda t: t.accepted * 1.0)
    made = offers.groupby(["member_id", "company_id"])[["offers", "accepted"]].sum()
    joined = activity.join(made, how="outer").fillna(0.0).reset_index()
    return joined.astype({"member_id": "int64", "company_id": "int64"})


def benchmark_figures(season_dir: Path, truth: pd.DataFrame, report: Report) -> None:
    from fairfollow.release.benchmarks import (
        DEFAULT_BOUNDS,
        GROUP_MINIMUM,
        QUANTITIES,
        SEMINAR_MINIMUM,
        Contributions,
        clipped_sums,
        rates_of,
    )

    counts = _member_counts(season_dir, truth)
    consent = pq.read_table(season_dir / "truth" / "consent.parquet").to_pandas()
    valid = consent[(consent.purpose_key == "statistics") & (consent.season == SEASON)]
    counts = counts[counts.member_id.isin(set(valid[valid.valid].member_id))]
    companies = pd.read_csv(season_dir / "raw" / "companies.csv")
    industry = dict(zip(companies.company_id, companies.industry_id, strict=True))
    groups = sorted(set(industry.values()))
    index = {g: i for i, g in enumerate(groups)}
    counts = counts[counts.company_id.isin(industry)]  # events of companies not registered
    group = counts.company_id.map(industry).map(index).to_numpy()
    rows = Contributions.of(
        counts.member_id.to_numpy(), group, **{q: counts[q].to_numpy() for q in QUANTITIES}
    )
    per_member = counts.groupby("member_id")[list(QUANTITIES)].sum()
    for q in QUANTITIES:
        clipped = float((per_member[q] > DEFAULT_BOUNDS.of(q)).mean())
        report(
            f"benchmarks_clipped_{q}",
            clipped,
            "",
            f"share of members over {DEFAULT_BOUNDS.of(q):g}",
        )
    exact = clipped_sums(rows, len(groups))
    # the truth: every consenting member's counts, unclipped (so clipping's bias counts too)
    raw = {q: np.bincount(group, weights=counts[q], minlength=len(groups)) for q in QUANTITIES}
    true_rates = rates_of(raw, 0.0, 0.0)
    rng = np.random.default_rng(27)
    scale = {q: DEFAULT_BOUNDS.of(q) * len(QUANTITIES) / EPSILON for q in QUANTITIES}
    noisy = {
        q: exact[q][None, :] + rng.laplace(0.0, scale[q], (DRAWS, len(groups))) for q in QUANTITIES
    }
    published = rates_of(noisy, GROUP_MINIMUM)
    names = ("acceptance_rate", "entries_per_offer", "seminar_to_entry")
    for name, truth_rate, noisy_rate in zip(names, true_rates, published, strict=True):
        shown = ~np.isnan(noisy_rate)
        rel = np.abs(noisy_rate - truth_rate[None, :]) / truth_rate[None, :]
        report(
            f"benchmarks_{name}_relerr_groups",
            float(np.nanmedian(np.where(shown, rel, np.nan))),
            "",
            f"median over {len(groups)} industries (sizes: not in the data) × {DRAWS:,} draws",
        )
    # a group at exactly the published minimum, at the season's overall rates
    total = {q: float(exact[q].sum()) for q in QUANTITIES}
    at_min = {
        "offers": GROUP_MINIMUM,
        "accepted": GROUP_MINIMUM * total["accepted"] / total["offers"],
        "entries": GROUP_MINIMUM * total["entries"] / total["offers"],
        "seminars": GROUP_MINIMUM * total["seminars"] / total["offers"],
    }
    seminar_group = {q: v * SEMINAR_MINIMUM / at_min["seminars"] for q, v in at_min.items()}
    for label, base in (("offers", at_min), ("seminars", seminar_group)):
        draws = {q: base[q] + rng.laplace(0.0, scale[q], 20_000) for q in QUANTITIES}
        truth_at = rates_of({q: np.array([base[q]]) for q in QUANTITIES}, 0.0, 0.0)
        got = rates_of(draws, 0.0, 0.0)
        for name, t, g in zip(names, truth_at, got, strict=True):
            if (label == "seminars") != (name == "seminar_to_entry"):
                continue
            rel = float(np.mean(np.abs(g - t[0]) / t[0]))
            ok = rel <= 0.10
            minimum = SEMINAR_MINIMUM if label == "seminars" else GROUP_MINIMUM
            report(
                f"benchmarks_{name}_relerr_at_minimum",
                rel,
                "",
                f"{minimum:,} {label}, ε={EPSILON:g}; ≤ 0.10: {_verdict(ok)}",
            )


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:36s} {value:10.4f} {unit:6s} {note}", flush=True)

    run(_print)
