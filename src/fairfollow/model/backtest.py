"""Backtest of pool forecasts: forecast intervals against the counts that came true.

For every client employer's pool of offers in the current season, and for many random
sub-pools of offers (several seeds and sizes), the model's probabilities give the exact
Poisson-binomial distribution of acceptances (``pool_forecast``); the realised count comes
from the simulator's truth. Reported per kind of pool and level: the number of pools, the
share whose realised count lies in the central interval (coverage), and the mean signed
error (forecast mean − realised).

Widening for correlated acceptances. The Poisson-binomial assumes independent offers given
the probabilities. But the model learned each employer's level from the previous season's
outcomes of that employer's offers, and its season-wide level from the held-out calibration
set; the sampling error of both is shared by every offer it touches, so errors within a
pool are correlated. The count's variance is then about ``Σ p(1−p) + Σ_e m_e² σ_e² + m² σ_c²``
with ``m_e`` the pool's offers from employer ``e``, ``σ_e² = Σ p(1−p) / n_e²`` the
sampling variance of that employer's rate over its ``n_e`` offers last season, and
``σ_c²`` that of the calibration set's rate (:class:`Widening`, estimated at training). The
interval is widened by the variance ratio (``PoolDistribution.widened_interval``). Employer
pools need it; small random pools mixing employers hardly change. The backtest also reports
the excess variance the realised counts show (:func:`employer_effect`, a z statistic).

Discreteness. An exact central interval of a discrete count holds at least its level, and
for small pools noticeably more (for 20 offers an 80% interval often holds 87%). Each
figure therefore also gives the interval's mean exact ``content`` under the forecast (a
calibrated forecast's coverage matches it) and the coverage of the *nearest* central
interval, whose tails come nearest the nominal ones and which holds about the level on
average (``PoolDistribution.nearest_interval``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fairfollow.employer_ids import EmployerId
from fairfollow.errors import ForecastError
from fairfollow.model.pool_forecast import Interval, acceptance_distribution

LEVELS = (0.8, 0.9)
SUB_POOL_SIZES = (20, 50, 100, 200, 500)
SEEDS = (0, 1, 2, 3, 4)
POOLS_PER_SEED = 200


@dataclass(frozen=True)
class Widening:
    """Rate variances the model's errors share within a pool (see the module docstring)."""

    calibration_variance: float
    employer_variance: dict[int, float]

    @property
    def default_employer_variance(self) -> float:
        """For an employer without offers last season: the median of the known ones."""
        values = list(self.employer_variance.values())
        return float(np.median(values)) if values else 0.0

    def extra_variance(self, companies: NDArray[np.int64]) -> float:
        ids, counts = np.unique(companies, return_counts=True)
        default = self.default_employer_variance
        shared = sum(
            float(c) ** 2 * self.employer_variance.get(int(i), default)
            for i, c in zip(ids, counts, strict=True)
        )
        return float(counts.sum()) ** 2 * self.calibration_variance + shared


NO_WIDENING = Widening(0.0, {})


def estimate_widening(
    companies: NDArray[np.int64], p: NDArray[np.float64], held: NDArray[np.bool_]
) -> Widening:
    """Rate variances from the training season: per employer over all its offers, and over
    the held-out calibration rows (``p``: the model's calibrated probabilities)."""
    pq = p * (1.0 - p)
    frame = pd.DataFrame({"c": companies, "v": pq})
    pools = frame.groupby("c").agg(n=("v", "size"), v=("v", "sum"))
    rate_variance = pools["v"] / pools["n"] ** 2
    per_employer = {int(c): float(v) for c, v in zip(pools.index, rate_variance, strict=True)}
    n_held = int(held.sum())
    calibration = float(pq[held].sum()) / n_held**2 if n_held else 0.0
    return Widening(calibration, per_employer)


@dataclass(frozen=True)
class EmployerEffect:
    """Per-employer bias spread shown by realised pool counts, and its test statistic."""

    estimate_sd: float  # method-of-moments estimate of τ
    z: float  # score statistic for "no excess variance"
    pools: int


def employer_effect(
    companies: NDArray[np.int64], p: NDArray[np.float64], accepted: NDArray[np.bool_]
) -> EmployerEffect:
    """τ² = Σ[(r−μ)² − v] / Σ n² over employer pools, and its z statistic under τ = 0.

    Under independence E[(r−μ)²] = v and Var[(r−μ)²] = 2v² + κ₄ with the Poisson-binomial
    fourth cumulant κ₄ = Σ pq(1 − 6pq); z = Σ[(r−μ)² − v] / sqrt(Σ(2v² + κ₄)).
    """
    pq = p * (1.0 - p)
    frame = pd.DataFrame(
        {"c": companies, "p": p, "v": pq, "k4": pq * (1.0 - 6.0 * pq), "y": accepted.astype(float)}
    )
    pools = frame.groupby("c").agg(
        n=("p", "size"), mu=("p", "sum"), v=("v", "sum"), k4=("k4", "sum"), r=("y", "sum")
    )
    excess = float(((pools.r - pools.mu) ** 2 - pools.v).sum())
    spread = float(np.sqrt((2.0 * pools.v**2 + pools.k4).sum()))
    tau2 = max(0.0, excess / float((pools.n**2).sum()))
    return EmployerEffect(float(np.sqrt(tau2)), excess / spread if spread > 0 else 0.0, len(pools))


@dataclass(frozen=True)
class PoolOutcome:
    """One pool: its forecast, the realised count and the intervals at each level."""

    pool: str
    offers: int
    expected: float
    realised: int
    intervals: tuple[Interval, ...]
    widened: tuple[Interval, ...]
    nearest: tuple[Interval, ...]
    content: tuple[float, ...]  # forecast probability inside each plain interval


@dataclass(frozen=True)
class CoverageFigure:
    kind: str  # "employer", "random" (all sizes) or "random n=<size>"
    level: float
    pools: int
    coverage: float
    widened_coverage: float
    nearest_coverage: float
    content: float
    mean_signed_error: float


@dataclass(frozen=True)
class BacktestReport:
    employer_pools: tuple[PoolOutcome, ...]
    figures: tuple[CoverageFigure, ...]
    overdispersion: EmployerEffect  # of the realised employer pools, before widening
    sub_pool_sizes: tuple[int, ...]
    seeds: tuple[int, ...]

    def figure(self, kind: str, level: float) -> CoverageFigure:
        for found in self.figures:
            if found.kind == kind and found.level == level:
                return found
        raise KeyError((kind, level))

    def as_json(self) -> dict[str, object]:
        return {
            "overdispersion": asdict(self.overdispersion),
            "sub_pool_sizes": list(self.sub_pool_sizes),
            "seeds": list(self.seeds),
            "coverage": [asdict(f) for f in self.figures],
            "employer_pools": [
                {
                    "pool": p.pool,
                    "offers": p.offers,
                    "expected": p.expected,
                    "realised": p.realised,
                    "intervals": {str(i.level): [i.lower, i.upper] for i in p.intervals},
                    "widened": {str(i.level): [i.lower, i.upper] for i in p.widened},
                }
                for p in self.employer_pools
            ],
        }


def forecast_pool(
    name: str,
    p: NDArray[np.float64],
    companies: NDArray[np.int64],
    realised: int,
    widening: Widening,
    levels: tuple[float, ...] = LEVELS,
) -> PoolOutcome:
    """Forecast one pool; widen by the variance its offers' shared errors add."""
    dist = acceptance_distribution(p)
    extra = widening.extra_variance(companies)
    inflation = 1.0 + extra / dist.variance if dist.variance > 0 else 1.0
    intervals = tuple(dist.interval(level) for level in levels)
    return PoolOutcome(
        pool=name,
        offers=int(p.size),
        expected=dist.mean,
        realised=realised,
        intervals=intervals,
        widened=tuple(dist.widened_interval(level, inflation) for level in levels),
        nearest=tuple(dist.nearest_interval(level) for level in levels),
        content=tuple(dist.probability_within(i) for i in intervals),
    )


def _figures(
    kind: str, pools: list[PoolOutcome], levels: tuple[float, ...]
) -> list[CoverageFigure]:
    error = float(np.mean([p.expected - p.realised for p in pools]))
    return [
        CoverageFigure(
            kind=kind,
            level=level,
            pools=len(pools),
            coverage=float(np.mean([p.intervals[i].contains(p.realised) for p in pools])),
            widened_coverage=float(np.mean([p.widened[i].contains(p.realised) for p in pools])),
            nearest_coverage=float(np.mean([p.nearest[i].contains(p.realised) for p in pools])),
            content=float(np.mean([p.content[i] for p in pools])),
            mean_signed_error=error,
        )
        for i, level in enumerate(levels)
    ]


def backtest(
    companies: NDArray[np.int64],
    p: NDArray[np.float64],
    accepted: NDArray[np.bool_],
    *,
    widening: Widening,
    levels: tuple[float, ...] = LEVELS,
    sub_pool_sizes: tuple[int, ...] = SUB_POOL_SIZES,
    seeds: tuple[int, ...] = SEEDS,
    pools_per_seed: int = POOLS_PER_SEED,
) -> BacktestReport:
    """Backtest employer pools and random sub-pools (``pools_per_seed`` per seed and size)."""
    if not (companies.size == p.size == accepted.size) or p.size == 0:
        raise ForecastError("model.backtest_lengths")
    y = accepted.astype(bool)
    employer = []
    for company in np.unique(companies):
        mask = companies == company
        name = EmployerId(int(company)).text
        employer.append(
            forecast_pool(name, p[mask], companies[mask], int(y[mask].sum()), widening, levels)
        )
    sizes = tuple(s for s in sub_pool_sizes if s <= p.size)
    by_size: dict[int, list[PoolOutcome]] = {size: [] for size in sizes}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for size in sizes:
            for k in range(pools_per_seed):
                pick = rng.choice(p.size, size=size, replace=False)
                by_size[size].append(
                    forecast_pool(
                        f"s{seed}-n{size}-{k}",
                        p[pick],
                        companies[pick],
                        int(y[pick].sum()),
                        widening,
                        levels,
                    )
                )
    figures = _figures("employer", employer, levels)
    every = [pool for pools in by_size.values() for pool in pools]
    if every:
        figures += _figures("random", every, levels)
        for size, pools in by_size.items():
            figures += _figures(f"random n={size}", pools, levels)
    return BacktestReport(
        employer_pools=tuple(employer),
        figures=tuple(figures),
        overdispersion=employer_effect(companies, p, y),
        sub_pool_sizes=sizes,
        seeds=seeds,
    )
