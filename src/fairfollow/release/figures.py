"""The figures of a forecast release: exact (internal) and released (noised), pure.

For one employer's pool the exact figures are the number of offers, how many of them are
forecast from the aggregate base rate only (members without valid consent, or without a
score), the expected number of acceptances and a central interval of it — from the exact
Poisson-binomial distribution over the pool (:mod:`fairfollow.model.pool_forecast`), where an
offer forecast from the base rate counts with the base-rate probability.

The released figures are those five with Laplace noise (:mod:`fairfollow.release.noise`), then
post-processed using nothing but the noisy values and public parameters (which keeps the
guarantee): clipped at zero, rounded, the interval ends put in order. Each released figure
states its noise bound: it lies within ``noise_bound`` (+ 0.5 for rounding) of the exact
figure with probability ``noise_confidence``. ``forecast_interval`` widens the noisy
interval by that bound, so it speaks for both the forecast's and the noise's uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fairfollow.model.pool_forecast import acceptance_distribution
from fairfollow.release.noise import NoisyFigures, add_noise

INTERVAL_LEVEL = 0.9
MIN_POOL = 10  # contributing members below which nothing is released
FIGURE_NAMES = (
    "pool_offers",
    "base_rate_offers",
    "expected_acceptances",
    "interval_lower",
    "interval_upper",
)


@dataclass(frozen=True)
class ExactFigures:
    """What the platform computes before noise; kept internal, in the decision record."""

    pool_offers: int
    base_rate_offers: int
    expected_acceptances: float
    interval_lower: int
    interval_upper: int
    interval_level: float
    base_rate: float

    def vector(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FIGURE_NAMES)

    def as_json(self) -> dict[str, float | int]:
        return {
            **{name: getattr(self, name) for name in FIGURE_NAMES},
            "interval_level": self.interval_level,
            "base_rate": self.base_rate,
        }


def exact_figures(
    behavioural: Sequence[float],
    base_rate_offers: int,
    base_rate: float,
    level: float = INTERVAL_LEVEL,
) -> ExactFigures:
    """Figures of a pool: ``behavioural`` per-offer probabilities from the model (consenting
    members only) and ``base_rate_offers`` offers at the aggregate ``base_rate``."""
    probabilities = [*behavioural, *([base_rate] * base_rate_offers)]
    distribution = acceptance_distribution(probabilities)
    interval = distribution.interval(level)
    return ExactFigures(
        pool_offers=len(probabilities),
        base_rate_offers=base_rate_offers,
        expected_acceptances=distribution.mean,
        interval_lower=interval.lower,
        interval_upper=interval.upper,
        interval_level=level,
        base_rate=base_rate,
    )


@dataclass(frozen=True)
class ReleasedFigures:
    """What the employer receives: noised, post-processed figures and how noisy they are."""

    pool_offers: int
    base_rate_offers: int
    expected_acceptances: float
    interval_lower: int
    interval_upper: int
    interval_level: float
    forecast_interval: tuple[int, int]
    noise_scale: float
    noise_bound: float
    noise_confidence: float
    epsilon: float

    def vector(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FIGURE_NAMES)

    def within_bound(self, exact: ExactFigures) -> tuple[bool, ...]:
        """Per figure: within the stated noise bound of the exact value (+ rounding)."""
        slack = self.noise_bound + 0.5
        return tuple(
            abs(got - want) <= slack
            for got, want in zip(self.vector(), exact.vector(), strict=True)
        )

    def as_json(self) -> dict[str, object]:
        return {
            **{name: getattr(self, name) for name in FIGURE_NAMES},
            "interval_level": self.interval_level,
            "forecast_interval": list(self.forecast_interval),
            "noise_scale": self.noise_scale,
            "noise_bound": self.noise_bound,
            "noise_confidence": self.noise_confidence,
            "epsilon": self.epsilon,
        }


def post_process(exact_level: float, noisy: NoisyFigures) -> ReleasedFigures:
    """Clip, round and order the noisy figures (uses no exact value: keeps the guarantee)."""
    pool, base, expected, lower, upper = (max(0.0, v) for v in noisy.values)
    low, high = sorted((round(lower), round(upper)))
    bound = noisy.bound
    return ReleasedFigures(
        pool_offers=round(pool),
        base_rate_offers=round(base),
        expected_acceptances=round(expected, 1),
        interval_lower=low,
        interval_upper=high,
        interval_level=exact_level,
        forecast_interval=(max(0, math.floor(low - bound)), math.ceil(high + bound)),
        noise_scale=noisy.scale,
        noise_bound=bound,
        noise_confidence=noisy.confidence,
        epsilon=noisy.epsilon,
    )


def release_figures(exact: ExactFigures, epsilon: float) -> ReleasedFigures:
    """Noise the exact figures for ε-DP (L1 sensitivity: one per figure) and post-process."""
    return post_process(exact.interval_level, add_noise(exact.vector(), epsilon))
