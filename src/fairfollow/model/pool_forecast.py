"""Pool forecasts: the exact distribution of acceptances in a pool of offers.

Each offer ``i`` is accepted independently with probability ``p_i``; the number of
acceptances then follows a Poisson-binomial distribution. Its probability mass function is
computed exactly (no normal approximation) by a dynamic programme that is vectorised over
blocks of offers and merged by polynomial multiplication (direct for short vectors, FFT for
long ones). SciPy's ``poisson_binom.ppf`` breaks past 62 probabilities (STACK-NOTES), so
quantiles come from the cumulative sum of the pmf computed once.

Pure module: numpy only, no storage, no clock, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairfollow.errors import ForecastError

FloatArray = NDArray[np.float64]

# Block size of the vectorised dynamic programme; merges beyond _FFT_FROM use the FFT.
_BLOCK = 64
_FFT_FROM = 512
# Cumulative sums carry rounding error; a quantile accepts a shortfall this small.
_CDF_SLACK = 1e-12
# Stretched interval ends are compared with counts up to float rounding.
_STRETCH_SLACK = 1e-9


@dataclass(frozen=True)
class Interval:
    """A central interval ``[lower, upper]`` of acceptance counts at ``level``."""

    level: float
    lower: int
    upper: int

    def contains(self, count: int) -> bool:
        return self.lower <= count <= self.upper


@dataclass(frozen=True)
class PoolDistribution:
    """The distribution of the number of acceptances; ``pmf[k] = P(K = k)`` for k = 0..n."""

    pmf: FloatArray
    mean: float
    variance: float

    @property
    def size(self) -> int:
        """Number of offers in the pool."""
        return len(self.pmf) - 1

    def cdf(self) -> FloatArray:
        return np.minimum(np.cumsum(self.pmf), 1.0)

    def quantile(self, q: float) -> int:
        """The smallest k with ``P(K <= k) >= q``."""
        if not 0.0 <= q <= 1.0:
            raise ForecastError("model.quantile_out_of_range", level=q)
        found = int(np.searchsorted(self.cdf(), q - _CDF_SLACK, side="left"))
        return min(found, self.size)

    def interval(self, level: float) -> Interval:
        """Central interval: quantiles at (1 - level)/2 and (1 + level)/2 (coverage >= level)."""
        if not 0.0 < level < 1.0:
            raise ForecastError("model.interval_out_of_range", level=level)
        tail = (1.0 - level) / 2.0
        return Interval(level, self.quantile(tail), self.quantile(1.0 - tail))

    def nearest_interval(self, level: float) -> Interval:
        """Central interval whose tails come nearest (1 - level)/2 each, from either side.

        A discrete count has no interval holding exactly ``level``; :meth:`interval` never
        holds less, this one holds about ``level`` on average over pools (not for each).
        """
        if not 0.0 < level < 1.0:
            raise ForecastError("model.interval_out_of_range", level=level)
        tail = (1.0 - level) / 2.0
        cdf = self.cdf()
        below = np.concatenate(([0.0], cdf[:-1]))  # P(K < k)
        lower = int(np.argmin(np.abs(below - tail)))
        upper = int(np.argmin(np.abs(cdf - (1.0 - tail))))
        return Interval(level, min(lower, upper), max(lower, upper))

    def widened_interval(self, level: float, inflation: float) -> Interval:
        """The central interval with its distance from the mean scaled by ``sqrt(inflation)``.

        Acceptances within a pool are positively correlated (a strong season lifts every
        offer), so the observed variance of counts exceeds the Poisson-binomial variance by a
        factor ``inflation`` (estimated on the previous season). Scaling the deviations by
        its square root keeps the interval's shape and gives it the inflated spread: the
        interval of ``mean + sqrt(inflation) (K − mean)``, i.e. the counts between the
        stretched ends (the ends stay put until the stretch reaches the next count).
        """
        if inflation < 1.0:
            raise ForecastError("model.inflation_below_one", inflation=inflation)
        base = self.interval(level)
        scale = math.sqrt(inflation)
        lower = math.ceil(self.mean - scale * (self.mean - base.lower) - _STRETCH_SLACK)
        upper = math.floor(self.mean + scale * (base.upper - self.mean) + _STRETCH_SLACK)
        return Interval(level, max(lower, 0), min(upper, self.size))

    def probability_within(self, interval: Interval) -> float:
        """The probability the distribution puts inside ``interval`` (its exact content)."""
        lower, upper = max(interval.lower, 0), min(interval.upper, self.size)
        return float(min(1.0, self.pmf[lower : upper + 1].sum())) if lower <= upper else 0.0

    def probability_at_least(self, count: int) -> float:
        if count <= 0:
            return 1.0
        if count > self.size:
            return 0.0
        return float(min(1.0, self.pmf[count:].sum()))


@dataclass(frozen=True)
class OffersNeeded:
    """How many more offers reach ``target`` acceptances with at least ``confidence``."""

    target: int
    confidence: float
    additional_offers: int
    probability_reached: float
    expected_acceptances: float


def _validated(probabilities: ArrayLike) -> FloatArray:
    values = np.asarray(probabilities, dtype=np.float64).ravel()
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1):
        raise ForecastError("model.probabilities_invalid")
    return values


def _block_polynomials(values: FloatArray) -> list[FloatArray]:
    """Exact pmfs of consecutive blocks of offers, all blocks advanced at once."""
    blocks = math.ceil(values.size / _BLOCK)
    padded = np.zeros(blocks * _BLOCK)  # padding offers have p = 0: they change nothing
    padded[: values.size] = values
    probs = padded.reshape(blocks, _BLOCK)
    pmf = np.zeros((blocks, _BLOCK + 1))
    pmf[:, 0] = 1.0
    for step in range(_BLOCK):
        p = probs[:, step : step + 1]
        shifted = pmf[:, : step + 1] * p
        pmf[:, : step + 1] *= 1.0 - p
        pmf[:, 1 : step + 2] += shifted
    return list(pmf)


def _multiply(a: FloatArray, b: FloatArray) -> FloatArray:
    """Product of two pmf polynomials; FFT for long ones, clipped of rounding negatives."""
    if min(a.size, b.size) < _FFT_FROM:
        return np.asarray(np.convolve(a, b), dtype=np.float64)
    length = a.size + b.size - 1
    spectrum = np.fft.rfft(a, length) * np.fft.rfft(b, length)
    product: FloatArray = np.clip(np.fft.irfft(spectrum, length), 0.0, None)
    return product / float(product.sum())


def acceptance_distribution(probabilities: ArrayLike) -> PoolDistribution:
    """The exact Poisson-binomial distribution of acceptances for a pool of offers."""
    values = _validated(probabilities)
    mean = float(values.sum())
    variance = float((values * (1.0 - values)).sum())
    if values.size == 0:
        return PoolDistribution(np.ones(1), 0.0, 0.0)
    polys = _block_polynomials(values)
    while len(polys) > 1:
        merged = [_multiply(polys[i], polys[i + 1]) for i in range(0, len(polys) - 1, 2)]
        if len(polys) % 2:
            merged.append(polys[-1])
        polys = merged
    pmf = polys[0][: values.size + 1]  # block padding adds only zero-mass high counts
    return PoolDistribution(np.ascontiguousarray(pmf), mean, variance)


def add_offer(distribution: PoolDistribution, probability: float) -> PoolDistribution:
    """The distribution after one more offer with acceptance ``probability`` (one DP step)."""
    p = float(_validated([probability])[0])
    pmf = np.zeros(distribution.pmf.size + 1)
    pmf[:-1] = distribution.pmf * (1.0 - p)
    pmf[1:] += distribution.pmf * p
    return PoolDistribution(pmf, distribution.mean + p, distribution.variance + p * (1.0 - p))


def offers_needed(
    pool: ArrayLike,
    target: int,
    confidence: float,
    profile: float | Sequence[float],
    *,
    max_additional: int = 100_000,
) -> OffersNeeded:
    """The fewest additional offers so that ``P(acceptances >= target) >= confidence``.

    ``profile`` states the acceptance probability of the additional offers: one number for
    offers alike, or a sequence that the additional offers follow in turn (offer ``m`` gets
    ``profile[m % len(profile)]``), e.g. the probabilities of a typical batch of offers.
    """
    if target < 0:
        raise ForecastError("model.target_negative", target=target)
    if not 0.0 < confidence < 1.0:
        raise ForecastError("model.confidence_out_of_range", confidence=confidence)
    steps = _validated([profile] if isinstance(profile, int | float) else list(profile))
    if steps.size == 0:
        raise ForecastError("model.profile_empty")
    distribution = acceptance_distribution(pool)
    if steps.max() == 0.0 and distribution.probability_at_least(target) < confidence:
        raise ForecastError("model.target_unreachable")
    added = 0
    reached = distribution.probability_at_least(target)
    while reached < confidence:
        if added >= max_additional:
            raise ForecastError(
                "model.target_not_reached", target=target, additional=max_additional
            )
        distribution = add_offer(distribution, float(steps[added % steps.size]))
        added += 1
        reached = distribution.probability_at_least(target)
    return OffersNeeded(target, confidence, added, reached, distribution.mean)
