"""The offers-needed planner: how many offers reach N acceptances with 90% probability. Pure.

Post-processing only. The planner reads the released figures of a forecast (the noised
statistic ``S̃`` clipped to the pool, its noise scale) and public values (the pool's size,
the model's dispersion κ and widening ``w``, measured on the previous season); it spends no
ε of its own, and the door's guarantee for ``S̃`` covers every figure here.

A pool of ``m`` offers *like the employer's* (the same mix of applicants, the same offer
dates) has an expected count ``c_m = Ŝ m / n``; the noise on it scales with it
(``scale · m / n``), and so does the variance the offers' shared errors add
(``w · (m / n)²``, the model's widening is quadratic in the count of offers,
:class:`fairfollow.model.backtest.Widening`). The count reached with probability ``q`` is
the lower end of the central ``2q − 1`` interval of
:func:`~fairfollow.release.figures.plan_intervals` — the same spread and noise convolution
the forecast's intervals use, so the planner and
the forecast state the same distribution. ``m = n`` is the employer's own pool.

:func:`offers_needed` is the fewest ``m`` whose 90% lower bound reaches the target; the
bench checks the stated probability against the season's truth (``bench/bench_planning.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairfollow.canonical_json import JsonValue
from fairfollow.errors import InputError
from fairfollow.release.figures import ExactFigures, ReleasedFigures, half_width, spread
from fairfollow.release.product import Extension, PoolTerms

PLAN_CONFIDENCE = 0.9
# The planner looks this many times past the employer's own pool, and never past this count.
SEARCH_FACTOR = 50
SEARCH_CEILING = 200_000


def reached_with(
    noisy: ArrayLike,
    offers: ArrayLike,
    scale: ArrayLike,
    extra_variance: ArrayLike,
    dispersion: float,
    confidence: float = PLAN_CONFIDENCE,
) -> NDArray[np.int64]:
    """Acceptances reached with probability ``confidence`` (elementwise; vectorised for the
    bench): the lower end of the central ``2·confidence − 1`` planning interval."""
    if not 0.5 < confidence < 1.0:
        raise InputError("planning.confidence_out_of_range", confidence=confidence)
    scales = np.atleast_1d(np.asarray(scale, dtype=np.float64))
    noisy_a = np.atleast_1d(np.asarray(noisy, dtype=np.float64))
    offers_a = np.atleast_1d(np.asarray(offers, dtype=np.float64))
    extra = np.atleast_1d(np.asarray(extra_variance, dtype=np.float64))
    noisy_a, offers_a, extra, scales = np.broadcast_arrays(noisy_a, offers_a, extra, scales)
    level = 2.0 * confidence - 1.0
    # plan_intervals' lower end, with a noise scale per element: the half-width scales with
    # the noise, h(σ, s) = s · h(σ / s, 1), so one table lookup serves every pool size.
    center = np.clip(noisy_a, 0.0, offers_a)
    sigma = spread(center, offers_a, extra, dispersion)
    noiseless = scales <= 0.0
    safe = np.where(noiseless, 1.0, scales)
    h = np.where(
        noiseless,
        half_width(sigma, 0.0, level),
        half_width(sigma / safe, 1.0, level) * safe,
    )
    lower = np.ceil(center - h + 0.5)
    upper = np.floor(center + h - 0.5)
    lower = np.where(lower > upper, np.floor(center + 0.5), lower)
    return np.clip(lower, 0.0, offers_a).astype(np.int64)


def scaled_pool(
    center: float, offers: int, scale: float, extra_variance: float, sizes: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Center, noise scale and widening of pools of ``sizes`` offers like the employer's."""
    m = np.asarray(sizes, dtype=np.float64)
    ratio = m / float(offers)
    return center * ratio, scale * ratio, extra_variance * ratio**2


@dataclass(frozen=True)
class OfferPlan:
    """What the planner tells the employer (post-processing of the released forecast)."""

    target: int
    confidence: float
    pool_offers: int
    reached_by_pool: int  # acceptances the employer's own offers reach with ``confidence``
    offers_needed: int | None  # total offers like these for ``target``; None: not within reach
    hypothetical_offers: int
    reached_by_hypothetical: int
    search_limit: int
    # (offers, acceptances reached) along the way, for a picture; not part of the record
    points: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    @property
    def additional_offers(self) -> int | None:
        if self.offers_needed is None:
            return None
        return max(0, self.offers_needed - self.pool_offers)

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "target": self.target,
            "confidence": self.confidence,
            "pool_offers": self.pool_offers,
            "reached_by_pool": self.reached_by_pool,
            "offers_needed": self.offers_needed,
            "additional_offers": self.additional_offers,
            "hypothetical_offers": self.hypothetical_offers,
            "reached_by_hypothetical": self.reached_by_hypothetical,
            "search_limit": self.search_limit,
        }


def plan_offers(
    figures: ReleasedFigures,
    extra_variance: float,
    dispersion: float,
    target: int,
    hypothetical: int | None = None,
    confidence: float = PLAN_CONFIDENCE,
) -> OfferPlan:
    """Offers needed for ``target`` acceptances with ``confidence``, and what the employer's
    own pool and a pool of ``hypothetical`` offers (default: twice its own) reach."""
    n = figures.pool_offers
    if target < 1:
        raise InputError("planning.target_not_positive", target=target)
    if n < 1:
        raise InputError("planning.pool_empty")
    larger = 2 * n if hypothetical is None else hypothetical
    if not 1 <= larger <= SEARCH_CEILING:
        raise InputError(
            "planning.hypothetical_out_of_range", offers=larger, ceiling=SEARCH_CEILING
        )
    limit = min(SEARCH_CEILING, max(SEARCH_FACTOR * n, larger))
    sizes = np.arange(1, limit + 1)
    center, scale, extra = scaled_pool(
        figures.expected_acceptances, n, figures.noise_scale, extra_variance, sizes
    )
    reached = reached_with(center, sizes, scale, extra, dispersion, confidence)
    # The lower bound grows with the pool up to rounding; the first size to reach counts.
    hits = np.flatnonzero(reached >= target)
    needed = int(sizes[hits[0]]) if hits.size else limit
    shown = min(limit, max(needed, larger, n) * 6 // 5)
    picks = np.unique(np.linspace(1, shown, num=min(shown, 40)).astype(np.int64))
    return OfferPlan(
        target=target,
        confidence=confidence,
        pool_offers=n,
        reached_by_pool=int(reached[n - 1]) if n <= limit else 0,
        offers_needed=int(sizes[hits[0]]) if hits.size else None,
        hypothetical_offers=larger,
        reached_by_hypothetical=int(reached[larger - 1]),
        search_limit=limit,
        points=tuple((int(m), int(reached[m - 1])) for m in picks),
    )


@dataclass(frozen=True)
class PlanProduct:
    """The planner as a release kind: the forecast's figures, and the plan from them."""

    target: int
    hypothetical: int | None = None
    name: str = "plan"
    forecast_share: float = 1.0

    def __post_init__(self) -> None:
        if self.target < 1:
            raise InputError("planning.target_not_positive", target=self.target)
        if self.hypothetical is not None and not 1 <= self.hypothetical <= SEARCH_CEILING:
            raise InputError(
                "planning.hypothetical_out_of_range",
                offers=self.hypothetical,
                ceiling=SEARCH_CEILING,
            )

    def plan(self, figures: ReleasedFigures, extra_variance: float, dispersion: float) -> OfferPlan:
        return plan_offers(figures, extra_variance, dispersion, self.target, self.hypothetical)

    def extend(
        self, figures: ReleasedFigures, exact: ExactFigures, pool: PoolTerms, epsilon: float
    ) -> Extension:
        """Post-processing only: no ε of its own."""
        plan = self.plan(figures, exact.extra_variance, exact.dispersion)
        return Extension(
            {
                "product": self.name,
                "plan": plan.as_json(),
                # public model values (previous season), so anyone can recompute the plan
                "plan_inputs": {
                    "extra_variance": exact.extra_variance,
                    "dispersion": exact.dispersion,
                },
            }
        )
