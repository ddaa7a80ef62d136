"""Differential-privacy noise, through OpenDP's Laplace mechanism.

A release publishes one statistic, the pool's expected number of acceptances S, whose
sensitivity to one member is 1 (:mod:`fairfollow.release.statistic`). OpenDP's Laplace
mechanism with scale ``sensitivity / ε`` then satisfies ε-differential privacy; the ε
charged is what OpenDP's privacy map reports, never a hand-computed number.
:func:`add_noise` keeps the general vector form (L1 sensitivity given or the length).

Randomness: OpenDP samples from its own cryptographically secure generator and takes no
seed, by design (a seeded, reproducible noise draw would let anyone who learns the seed
subtract the noise). Noise is therefore **not** reproducible from a seed; everything
before it (the exact figures, stored in the decision record) is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import opendp.prelude as dp

from fairfollow.errors import ForecastError

dp.enable_features("contrib")

# Figures are published with the bound their noise stays within at this confidence.
NOISE_CONFIDENCE = 0.99


@dataclass(frozen=True)
class NoisyFigures:
    """Figures after noise, with the mechanism's parameters and the ε it costs."""

    values: tuple[float, ...]
    scale: float
    epsilon: float
    sensitivity: float
    bound: float  # |noisy - exact| <= bound with probability NOISE_CONFIDENCE, per figure
    confidence: float


def _space() -> tuple[Any, Any]:
    return dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)


def laplace(sensitivity: float, epsilon: float) -> tuple[Any, float, float]:
    """OpenDP's vector Laplace measurement spending at most ``epsilon``, its ε and scale.

    The scale starts at ``sensitivity / epsilon``; OpenDP's map rounds conservatively, so
    the scale is nudged up until the mapped ε is within the request.
    """
    if not (epsilon > 0 and math.isfinite(epsilon)):
        raise ForecastError("release.epsilon_not_positive", epsilon=epsilon)
    if not sensitivity > 0:
        raise ForecastError("release.sensitivity_not_positive", sensitivity=sensitivity)
    scale = sensitivity / epsilon
    for _ in range(64):
        measurement = _space() >> dp.m.then_laplace(scale=scale)
        spent = float(measurement.map(sensitivity))
        if spent <= epsilon:
            return measurement, spent, scale
        scale = math.nextafter(scale, math.inf) * (1 + 1e-12)
    raise ForecastError("release.no_laplace_scale", epsilon=epsilon)  # pragma: no cover


def noise_bound(scale: float, confidence: float = NOISE_CONFIDENCE) -> float:
    """The half-width a Laplace(scale) draw stays within with probability ``confidence``."""
    return float(dp.laplacian_scale_to_accuracy(scale, 1.0 - confidence))


@dataclass(frozen=True)
class NoisySum:
    """The one noised statistic, with the mechanism's parameters and the ε it costs."""

    value: float
    scale: float
    epsilon: float

    def bound(self, confidence: float) -> float:
        """|noisy − exact| ≤ bound with probability ``confidence``."""
        return noise_bound(self.scale, confidence)


def noise_sum(value: float, epsilon: float) -> NoisySum:
    """``value`` + Laplace(1/ε) through OpenDP (sensitivity 1)."""
    noisy = add_noise([value], epsilon, sensitivity=1.0)
    return NoisySum(noisy.values[0], noisy.scale, noisy.epsilon)


def add_noise(
    values: Sequence[float], epsilon: float, *, sensitivity: float | None = None
) -> NoisyFigures:
    """Noise ``values`` for ε-DP; sensitivity defaults to the vector's length (see above)."""
    exact = [float(v) for v in values]
    if not exact or not all(math.isfinite(v) for v in exact):
        raise ForecastError("release.figures_invalid")
    l1 = float(len(exact)) if sensitivity is None else sensitivity
    measurement, spent, scale = laplace(l1, epsilon)
    noisy = tuple(float(v) for v in measurement(exact))
    return NoisyFigures(
        values=noisy,
        scale=scale,
        epsilon=spent,
        sensitivity=l1,
        bound=noise_bound(scale),
        confidence=NOISE_CONFIDENCE,
    )
