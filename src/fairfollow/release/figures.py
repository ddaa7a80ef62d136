"""The figures of a forecast release: one noised statistic, and what follows from it, pure.

For one employer's pool of ``n`` offers (``n`` is the employer's own upload count: public),
the door computes one statistic, the expected number of acceptances

    S = Σ p_i,

where an offer of a member whose data the release may use counts with the model's
probability and every other offer (no valid consent, no score, the member's season
odometer full, a second offer of the same member) with the public base rate. One member
changes S by at most 1 (:mod:`fairfollow.release.statistic` states the argument), so
``S̃ = S + Laplace(1/ε)`` (OpenDP, :mod:`fairfollow.release.noise`) is ε-differentially
private. Nothing else is noised and nothing else about the pool is released.

Every released figure is post-processing of ``S̃`` and public values (``n``, the level, the
noise scale, and the model's dispersion and widening, measured at training on the
previous season), which keeps the guarantee:

- the point forecast ``Ŝ = clip(S̃, 0, n)``;
- the planning intervals (90% and 80%): under the model the count ``K`` has variance
  ``Σ p(1−p) ≤ S(1 − S/n)`` (Cauchy–Schwarz); the door takes ``κ Ŝ(1 − Ŝ/n)`` with ``κ``
  the model's dispersion — the ratio of the two measured on the training season
  (:func:`fairfollow.model.scores.dispersion_of`; 1 gives the bound itself) — plus the
  widening for errors the pool's offers share (``model.backtest.Widening``); the planning
  error ``K − S̃`` is that spread (as a normal) convolved with the Laplace noise, whose
  central quantile is tabulated once (:func:`half_width`). The ends are whole counts,
  rounded to the nearest (a continuity correction for the discrete count), ordered by
  construction and inside ``[0, n]``.

The exact figures (``S`` and ``Σ p(1−p)``, the counts of offers forecast from the base rate)
stay internal, in the decision record.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairfollow.errors import ForecastError
from fairfollow.release.noise import NoisySum, noise_sum

INTERVAL_LEVEL = 0.9
PLANNING_LEVELS = (0.8, 0.9)
MIN_POOL = 10  # uploaded offers (a public count) below which nothing is released
NOISE_CONFIDENCE = 0.9  # the noise-alone bound each release states

# The table of half-widths in units of the Laplace scale, over r = σ / scale.
_RATIOS = np.concatenate(([0.0], np.logspace(-3, 3, 161)))
_GRID = np.linspace(-8.0, 8.0, 641)
_WEIGHTS = np.exp(-0.5 * _GRID**2)
_WEIGHTS /= _WEIGHTS.sum()


def _laplace_cdf(x: NDArray[np.float64]) -> NDArray[np.float64]:
    e = np.exp(-np.abs(x))
    return np.where(x < 0, 0.5 * e, 1.0 - 0.5 * e)


@cache
def _table(level: float) -> NDArray[np.float64]:
    """Per ratio r: the q-quantile of r·N(0,1) + Laplace(1), q = (1 + level) / 2."""
    q = (1.0 + level) / 2.0
    low = np.zeros_like(_RATIOS)
    high = _RATIOS * 10.0 + 40.0
    spread = _RATIOS[:, None] * _GRID[None, :]
    for _ in range(40):
        mid = (low + high) / 2.0
        cdf = (_laplace_cdf(mid[:, None] - spread) * _WEIGHTS[None, :]).sum(axis=1)
        below = cdf < q
        low = np.where(below, mid, low)
        high = np.where(below, high, mid)
    table: NDArray[np.float64] = (low + high) / 2.0
    return table


def prepare() -> None:
    """Compute the half-width tables now (the door calls it before taking its locks)."""
    for level in PLANNING_LEVELS:
        _table(level)


def half_width(sigma: ArrayLike, scale: float, level: float) -> NDArray[np.float64]:
    """Half-width h with P(|σN + Laplace(scale)| ≤ h) = level (elementwise over ``sigma``)."""
    if not 0.0 < level < 1.0:
        raise ForecastError("release.interval_level_invalid", level=level)
    s = np.asarray(sigma, dtype=np.float64)
    if scale <= 0.0:
        return np.asarray(s * NormalDist().inv_cdf((1.0 + level) / 2.0), dtype=np.float64)
    ratio = s / scale
    table = _table(level)
    top = _RATIOS[-1]
    z = NormalDist().inv_cdf((1.0 + level) / 2.0)
    inside = np.interp(np.minimum(ratio, top), _RATIOS, table)
    beyond = table[-1] + (ratio - top) * z  # past the table the normal dominates
    return np.asarray(np.where(ratio <= top, inside, beyond) * scale, dtype=np.float64)


def spread(
    center: ArrayLike, offers: ArrayLike, extra_variance: ArrayLike, dispersion: float = 1.0
) -> NDArray[np.float64]:
    """The count's standard deviation at the (clipped) ``center``: √(κ c(1−c/n) + w)."""
    c = np.asarray(center, dtype=np.float64)
    n = np.asarray(offers, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = np.where(n > 0, c * (1.0 - c / np.where(n > 0, n, 1.0)), 0.0)
    variance = dispersion * np.maximum(bound, 0.0) + np.asarray(extra_variance, dtype=np.float64)
    return np.asarray(np.sqrt(variance), dtype=np.float64)


def plan_intervals(
    noisy: ArrayLike,
    offers: ArrayLike,
    extra_variance: ArrayLike,
    scale: float,
    level: float,
    dispersion: float = 1.0,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Whole-count interval ends (lower, upper) from noisy sums; vectorised for the bench.

    The counts k with |k − Ŝ| ≤ h − ½: a whole count k stands for [k − ½, k + ½] of the
    continuous spread (continuity correction), so the interval's mass is about ``level``.
    """
    n = np.asarray(offers, dtype=np.float64)
    center = np.clip(np.asarray(noisy, dtype=np.float64), 0.0, n)
    h = half_width(spread(center, n, extra_variance, dispersion), scale, level)
    lower = np.ceil(center - h + 0.5)
    upper = np.floor(center + h - 0.5)
    nearest = np.floor(center + 0.5)
    empty = lower > upper
    lower = np.clip(np.where(empty, nearest, lower), 0.0, n)
    upper = np.clip(np.where(empty, nearest, upper), 0.0, n)
    return lower.astype(np.int64), upper.astype(np.int64)


@dataclass(frozen=True)
class ExactFigures:
    """What the platform computes before noise; kept internal, in the decision record."""

    pool_offers: int
    base_rate_offers: int
    expected_acceptances: float  # S, the one statistic
    variance: float  # Σ p(1 − p), for the record and the backtest
    extra_variance: float  # the model's widening for this pool (public)
    base_rate: float
    dispersion: float = 1.0  # the model's Σp(1−p) / (S(1−S/n)), from the training season

    def as_json(self) -> dict[str, float | int]:
        return {
            "pool_offers": self.pool_offers,
            "base_rate_offers": self.base_rate_offers,
            "expected_acceptances": self.expected_acceptances,
            "variance": self.variance,
            "extra_variance": self.extra_variance,
            "base_rate": self.base_rate,
            "dispersion": self.dispersion,
        }


def exact_figures(
    behavioural: Sequence[float],
    base_rate_offers: int,
    base_rate: float,
    extra_variance: float = 0.0,
    dispersion: float = 1.0,
) -> ExactFigures:
    """``behavioural`` per-offer probabilities (members whose data may be used) and
    ``base_rate_offers`` offers at the public ``base_rate``."""
    p = np.asarray([*behavioural, *([base_rate] * base_rate_offers)], dtype=np.float64)
    if p.size and (not np.all(np.isfinite(p)) or p.min() < 0.0 or p.max() > 1.0):
        raise ForecastError("release.probabilities_invalid")
    if not (extra_variance >= 0.0 and math.isfinite(extra_variance)):
        raise ForecastError("release.variance_negative", variance=extra_variance)
    if not 0.0 < dispersion <= 1.0:
        raise ForecastError("release.dispersion_invalid", dispersion=dispersion)
    return ExactFigures(
        pool_offers=int(p.size),
        base_rate_offers=base_rate_offers,
        expected_acceptances=float(p.sum()),
        variance=float((p * (1.0 - p)).sum()),
        extra_variance=float(extra_variance),
        base_rate=base_rate,
        dispersion=dispersion,
    )


@dataclass(frozen=True)
class ReleasedFigures:
    """What the employer receives: one noised statistic and its post-processing."""

    pool_offers: int  # the employer's own upload count (public, not noised)
    expected_acceptances: float
    forecast_interval: tuple[int, int]  # the 90% interval to plan with
    interval_80: tuple[int, int]
    interval_level: float
    typical_error: float  # expected |realised − forecast|, in acceptances
    noise_scale: float
    noise_bound: float  # |S̃ − S| ≤ noise_bound with probability noise_confidence
    noise_confidence: float
    epsilon: float

    def as_json(self) -> dict[str, object]:
        return {
            "pool_offers": self.pool_offers,
            "expected_acceptances": self.expected_acceptances,
            "forecast_interval": list(self.forecast_interval),
            "interval_80": list(self.interval_80),
            "interval_level": self.interval_level,
            "typical_error": self.typical_error,
            "noise_scale": self.noise_scale,
            "noise_bound": self.noise_bound,
            "noise_confidence": self.noise_confidence,
            "epsilon": self.epsilon,
        }

    def within_bound(self, exact: ExactFigures) -> bool:
        """Whether the point forecast lies within the stated noise bound of S (+ clipping)."""
        return abs(self.expected_acceptances - exact.expected_acceptances) <= (
            self.noise_bound + 0.05
        )


def _typical_error(sigma: float, scale: float) -> float:
    """E|σN + L| for L ~ Laplace(scale): the error an employer should expect, on a grid."""
    normal = sigma * _GRID
    if scale <= 0.0:
        return float((np.abs(normal) * _WEIGHTS).sum())
    laplace = np.linspace(-12.0, 12.0, 961) * scale
    density = np.exp(-np.abs(laplace) / scale)
    density /= density.sum()
    total = np.abs(normal[:, None] + laplace[None, :])
    return float((total * _WEIGHTS[:, None] * density[None, :]).sum())


def post_process(
    noisy: NoisySum, offers: int, extra_variance: float, dispersion: float = 1.0
) -> ReleasedFigures:
    """Every released figure from ``S̃`` and public values only (keeps the guarantee)."""
    center = min(max(noisy.value, 0.0), float(offers))
    ends = {
        level: plan_intervals(
            [noisy.value], [offers], extra_variance, noisy.scale, level, dispersion
        )
        for level in PLANNING_LEVELS
    }
    sigma = float(spread([center], [offers], extra_variance, dispersion)[0])
    interval = {level: (int(lo[0]), int(hi[0])) for level, (lo, hi) in ends.items()}
    return ReleasedFigures(
        pool_offers=offers,
        expected_acceptances=round(center, 1),
        forecast_interval=interval[INTERVAL_LEVEL],
        interval_80=interval[0.8],
        interval_level=INTERVAL_LEVEL,
        typical_error=round(_typical_error(sigma, noisy.scale), 1),
        noise_scale=noisy.scale,
        noise_bound=noisy.bound(NOISE_CONFIDENCE),
        noise_confidence=NOISE_CONFIDENCE,
        epsilon=noisy.epsilon,
    )


def release_figures(exact: ExactFigures, epsilon: float) -> ReleasedFigures:
    """Noise S for ε-DP (sensitivity 1) and post-process."""
    noisy = noise_sum(exact.expected_acceptances, epsilon)
    return post_process(noisy, exact.pool_offers, exact.extra_variance, exact.dispersion)
