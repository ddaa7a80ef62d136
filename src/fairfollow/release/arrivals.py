"""When acceptances arrive: expected acceptances week by week until the season's end.

The statistic. Weeks ``k = 0 … W−1`` run from the release's week to the season's end. Each
offer ``i`` contributes ``t_i · g(o_i, k)`` to week ``k``: ``t_i`` is the offer's term in the
forecast's statistic (the model's probability when its member's data may be used, else the
public base rate; one behavioural offer per member, :mod:`fairfollow.release.statistic`),
``o_i`` the week of the offer before the release (the employer's own upload), and
``g(o, ·)`` the public arrival shape: for offers made ``o`` weeks before the release, the
share of last season's acceptances that came in week ``k`` after it (a row sums to 1,
:class:`ArrivalShape`).

Sensitivity. One member's data changes only their own offer's term ``t_i`` (both values in
[0, 1]; the shape and the offer's week are public or the employer's), so it moves the vector
of weekly increments by at most ``Σ_k |Δt_i| g(o_i, k) ≤ 1`` in L1. Hence one Laplace draw of
scale ``1/ε`` per week is ε-DP (OpenDP's vector Laplace, :func:`fairfollow.release.noise.add_noise`
with L1 sensitivity 1). The property test removes and adds members, with extreme terms.

Post-processing (keeps the guarantee): the noisy increments are fitted to the pool's public
shape (the mean shape row of its offers), their total weighed with the forecast's noised
total released with them, the residual off the shape shrunk (:func:`smooth`), then
summed into a non-decreasing curve clipped to ``[0, n]``; the 90% interval at week ``k``
combines the count's spread (as the forecast's: ``κ C(1 − C/n)`` plus the model's widening,
scaled to the week's share) with the curve's noise at that week (taken as one Laplace of the
same variance: heavier tails than a sum of draws, so never narrower).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairfollow.canonical_json import JsonValue
from fairfollow.errors import InputError
from fairfollow.instants import JST
from fairfollow.release.figures import (
    INTERVAL_LEVEL,
    ExactFigures,
    ReleasedFigures,
    half_width,
    spread,
)
from fairfollow.release.noise import add_noise
from fairfollow.release.product import Extension, PoolTerms

FloatArray = NDArray[np.float64]
# The residual off the public shape is kept only in the measure its energy passes this many
# times the noise's expected energy (James–Stein with a stricter threshold: pure noise is
# dropped nearly always, a real departure in timing kept).
KEEP_ABOVE = 3.0


@dataclass(frozen=True)
class ArrivalShape:
    """``rows[o][k]``: for offers made ``o`` weeks before the release (the last row for any
    earlier), the share of acceptances arriving in week ``k`` after it; each row sums to 1.
    Measured on the previous season's answered offers; public."""

    rows: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        table = np.asarray(self.rows, dtype=np.float64)
        if table.ndim != 2 or table.size == 0 or (table < 0).any():
            raise InputError("planning.shape_invalid")
        if not np.allclose(table.sum(axis=1), 1.0, atol=1e-9):
            raise InputError("planning.shape_invalid")

    @property
    def weeks(self) -> int:
        return len(self.rows[0])

    def table(self) -> FloatArray:
        return np.asarray(self.rows, dtype=np.float64)

    def of(self, offer_weeks: ArrayLike) -> FloatArray:
        """The shape row of each offer (offers in the future count as made this week)."""
        index = np.clip(np.asarray(offer_weeks, dtype=np.int64), 0, len(self.rows) - 1)
        return self.table()[index]

    def cumulative(self) -> FloatArray:
        """The shape of all offers together, cumulated (the naive curve's, per offer)."""
        return np.cumsum(self.table().mean(axis=0))

    @classmethod
    def measured(
        cls, offer_weeks: ArrayLike, arrival_weeks: ArrayLike, offer_rows: int, weeks: int
    ) -> ArrivalShape:
        """The shape of answered offers: offer week before, arrival week after the release
        instant (arrivals past the horizon count in its last week, before in its first)."""
        o = np.clip(np.asarray(offer_weeks, dtype=np.int64), 0, offer_rows - 1)
        k = np.clip(np.asarray(arrival_weeks, dtype=np.int64), 0, weeks - 1)
        counts = np.zeros((offer_rows, weeks))
        np.add.at(counts, (o, k), 1.0)
        overall = counts.sum(axis=0) + 1.0  # every row falls back on all offers' shape
        rows = np.where(counts.sum(axis=1, keepdims=True) > 0, counts, overall[None, :])
        rows = rows / rows.sum(axis=1, keepdims=True)
        return cls(tuple(tuple(float(v) for v in r) for r in rows))


def weekly_increments(terms: ArrayLike, offer_weeks: ArrayLike, shape: ArrivalShape) -> FloatArray:
    """The statistic: ``x_k = Σ_i t_i g(o_i, k)`` (one member moves it by ≤ 1 in L1)."""
    t = np.asarray(terms, dtype=np.float64)
    if t.size and (not np.all(np.isfinite(t)) or t.min() < 0.0 or t.max() > 1.0):
        raise InputError("planning.terms_invalid")
    rows = shape.of(offer_weeks)
    return np.asarray(t @ rows if t.size else np.zeros(shape.weeks), dtype=np.float64)


@dataclass(frozen=True)
class Smoothed:
    """Post-processed weekly increments and the Laplace-equivalent scale of the cumulative
    curve's noise at each week (vectorised over leading axes)."""

    increments: FloatArray
    noise_scales: FloatArray


def smooth(
    noisy: ArrayLike,
    shape: ArrayLike,
    scale: float,
    total: ArrayLike | None = None,
    total_scale: float = 0.0,
) -> Smoothed:
    """Fit the noisy increments to the pool's public shape ``Ḡ`` (the mean shape row of its
    offers: offer dates and the published shape only), ``x ≈ S Ḡ`` by least squares; where
    the release also noised the total (the forecast's ``S̃``, Laplace of ``total_scale``), the
    two estimates of ``S`` are weighed by their noise. The residual off the shape is kept,
    shrunk by a positive-part James–Stein factor (:data:`KEEP_ABOVE`: all of it when it is far
    above the noise, none when it is noise alone). Post-processing: noisy and public values
    only."""
    x = np.asarray(noisy, dtype=np.float64)
    g = np.broadcast_to(np.asarray(shape, dtype=np.float64), x.shape)
    weeks = x.shape[-1]
    gg = np.maximum((g * g).sum(axis=-1), 1e-12)
    own = (g * x).sum(axis=-1) / gg
    noise = 2.0 * scale**2  # the variance of one Laplace draw
    variance_own = noise / gg
    if total is not None and total_scale > 0.0:
        variance_total = 2.0 * total_scale**2
        weight = variance_total / (variance_total + variance_own)
        combined = weight * own + (1.0 - weight) * np.asarray(total, dtype=np.float64)
        variance_fit = variance_own * variance_total / (variance_own + variance_total)
    else:
        combined, variance_fit = own, variance_own
    residual = x - own[..., None] * g
    rr = np.maximum((residual * residual).sum(axis=-1), 1e-12)
    shrink = np.clip(1.0 - KEEP_ABOVE * (weeks - 1) * noise / rr, 0.0, 1.0)
    increments = combined[..., None] * g + shrink[..., None] * residual
    draws = np.arange(1, weeks + 1, dtype=np.float64)
    variance = np.cumsum(g, axis=-1) ** 2 * np.asarray(variance_fit)[..., None]
    variance = variance + (shrink**2)[..., None] * noise * draws
    return Smoothed(increments, np.sqrt(variance / 2.0))


def cumulative_curve(increments: ArrayLike, offers: ArrayLike) -> FloatArray:
    """Running sum of the increments, non-decreasing, within [0, n] (vectorised over
    leading axes for the bench)."""
    running = np.cumsum(np.asarray(increments, dtype=np.float64), axis=-1)
    monotone = np.maximum.accumulate(np.maximum(running, 0.0), axis=-1)
    n = np.asarray(offers, dtype=np.float64)
    return np.asarray(np.minimum(monotone, n[..., None] if n.ndim else n), dtype=np.float64)


def curve_intervals(
    curve: ArrayLike,
    offers: ArrayLike,
    extra_variance: ArrayLike,
    noise_scales: ArrayLike,
    dispersion: float = 1.0,
    level: float = INTERVAL_LEVEL,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Whole-count interval ends per week (continuity-corrected like the forecast's): the
    count's spread convolved with the week's noise, taken as a Laplace of the same variance
    (heavier-tailed than a sum of draws, so never narrower)."""
    c = np.asarray(curve, dtype=np.float64)
    n = np.asarray(offers, dtype=np.float64)
    n_b = n[..., None] if n.ndim else n
    total = c[..., -1:]
    share = np.divide(c, total, out=np.zeros_like(c), where=total > 0)
    extra = np.asarray(extra_variance, dtype=np.float64)
    w = (extra[..., None] if extra.ndim else extra) * share**2
    sigma = spread(c, np.broadcast_to(n_b, c.shape), w, dispersion)
    noise = np.maximum(np.broadcast_to(np.asarray(noise_scales, dtype=np.float64), c.shape), 1e-9)
    h = half_width(sigma / noise, 1.0, level) * noise
    lower = np.clip(np.ceil(c - h + 0.5), 0.0, n_b)
    upper = np.clip(np.floor(c + h - 0.5), 0.0, n_b)
    upper = np.maximum(upper, lower)
    return lower.astype(np.int64), upper.astype(np.int64)


@dataclass(frozen=True)
class ArrivalCurve:
    """What the employer receives: the cumulative curve and a 90% interval per week."""

    pool_offers: int
    expected: tuple[float, ...]  # cumulative expected acceptances by the end of each week
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    interval_level: float
    noise_scale: float
    epsilon: float

    @classmethod
    def of_json(cls, stated: dict[str, object]) -> ArrivalCurve:
        """The curve a leaf or decision record states (:meth:`as_json`)."""

        def items(key: str) -> list[object]:
            found = stated[key]
            return list(found) if isinstance(found, list) else []

        return cls(
            pool_offers=int(str(stated["pool_offers"])),
            expected=tuple(float(str(v)) for v in items("weekly_expected")),
            lower=tuple(int(str(v)) for v in items("weekly_lower")),
            upper=tuple(int(str(v)) for v in items("weekly_upper")),
            interval_level=float(str(stated["interval_level"])),
            noise_scale=float(str(stated["noise_scale"])),
            epsilon=float(str(stated["epsilon"])),
        )

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "pool_offers": self.pool_offers,
            "weekly_expected": list(self.expected),
            "weekly_lower": list(self.lower),
            "weekly_upper": list(self.upper),
            "interval_level": self.interval_level,
            "noise_scale": self.noise_scale,
            "epsilon": self.epsilon,
        }


def release_arrivals(
    increments: Sequence[float],
    offers: int,
    epsilon: float,
    shape: ArrayLike,
    extra_variance: float = 0.0,
    dispersion: float = 1.0,
    total: tuple[float, float] | None = None,
) -> ArrivalCurve:
    """Noise the weekly increments (L1 sensitivity 1, OpenDP) and post-process them against
    the pool's public shape and, when given, the released total and its noise scale
    (:func:`smooth`)."""
    noisy = add_noise(increments, epsilon, sensitivity=1.0)
    if total is None:
        smoothed = smooth(noisy.values, shape, noisy.scale)
    else:
        smoothed = smooth(noisy.values, shape, noisy.scale, total[0], total[1])
    curve = cumulative_curve(smoothed.increments, offers)
    lower, upper = curve_intervals(curve, offers, extra_variance, smoothed.noise_scales, dispersion)
    return ArrivalCurve(
        pool_offers=offers,
        expected=tuple(round(float(v), 1) for v in curve),
        lower=tuple(int(v) for v in lower),
        upper=tuple(int(v) for v in upper),
        interval_level=INTERVAL_LEVEL,
        noise_scale=noisy.scale,
        epsilon=noisy.epsilon,
    )


def offer_weeks(offer_dates: Sequence[date], at: datetime) -> list[int]:
    """Whole weeks from each offer (its Japanese calendar date) to the release instant."""
    today = at.astimezone(JST).date()
    return [(today - d).days // 7 for d in offer_dates]


@dataclass(frozen=True)
class ArrivalsProduct:
    """The arrival curve as a release kind: the forecast's total at four fifths of the ε, the
    weekly increments at the rest (one Laplace draw per week, :func:`release_arrivals`); the
    curve weighs both. Twelve weekly draws estimate the total far worse than one draw of the
    total itself (its variance grows with the weeks), so the total gets most of the ε and
    the weeks carry the timing."""

    shape: ArrivalShape
    name: str = "arrivals"
    forecast_share: float = 0.8

    def extend(
        self, figures: ReleasedFigures, exact: ExactFigures, pool: PoolTerms, epsilon: float
    ) -> Extension:
        weeks = offer_weeks(pool.offer_dates, pool.at)
        x = weekly_increments(pool.terms, weeks, self.shape)
        public = self.shape.of(weeks).mean(axis=0)  # the pool's shape: dates and shape only
        curve = release_arrivals(
            list(x),
            figures.pool_offers,
            epsilon,
            public,
            exact.extra_variance,
            exact.dispersion,
            (figures.expected_acceptances, figures.noise_scale),  # the forecast's S̃
        )
        return Extension(
            {"product": self.name, "arrivals": curve.as_json(), "shape_weeks": self.shape.weeks},
            curve.epsilon,
        )
