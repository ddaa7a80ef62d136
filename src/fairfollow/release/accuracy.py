"""Accuracy first: the smallest ε whose forecast interval is no wider than asked. Pure.

An employer may ask for a 90% interval at most ``width`` acceptances wide instead of naming
an ε. The width depends on the noise scale ``1/ε`` and on the spread of the count, which
depends on the (unknown, private) statistic; before the release the spread is taken at the
public base rate × the pool's offers, with the model's dispersion and widening — public
values only, so the choice of ε itself reveals nothing about the pool's members.

The width never grows with ε, so a bisection over ``[ε_min, min(ε_max, remaining)]`` finds
the smallest ε (to :data:`STEP`, rounded up) meeting it; when even the largest affordable ε
is too noisy, the answer is a refusal with the narrowest width that ε would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fairfollow.errors import InputError
from fairfollow.release.figures import INTERVAL_LEVEL, plan_intervals

STEP = 0.01  # ε is chosen on this grid, rounded up (never below the width asked)


def interval_width(
    offers: int, base_rate: float, extra_variance: float, dispersion: float, epsilon: float
) -> int:
    """The 90% interval's width (upper − lower) at the base-rate center, at ``epsilon``."""
    center = base_rate * offers
    low, high = plan_intervals(
        [center], [offers], [extra_variance], 1.0 / epsilon, INTERVAL_LEVEL, dispersion
    )
    return int(high[0] - low[0])


@dataclass(frozen=True)
class EpsilonChoice:
    """The ε chosen for a width (None: none affordable), and the narrowest width on offer."""

    width_asked: int
    epsilon: float | None
    width: int  # the width at the chosen ε, or the narrowest affordable when none is
    largest_epsilon: float  # the largest ε the limits and the budget allow

    def as_json(self) -> dict[str, object]:
        return {
            "width_asked": self.width_asked,
            "epsilon": self.epsilon,
            "width": self.width,
            "largest_epsilon": self.largest_epsilon,
        }


def epsilon_for_width(
    width: int,
    offers: int,
    base_rate: float,
    extra_variance: float,
    dispersion: float,
    epsilon_min: float,
    epsilon_max: float,
    remaining: float,
) -> EpsilonChoice:
    """The smallest ε in range and budget whose interval is at most ``width`` wide."""
    if width < 0:
        raise InputError("planning.width_negative", width=width)
    top = math.floor(min(epsilon_max, remaining) / STEP) * STEP
    if top < epsilon_min:  # nothing affordable at all: the width with no budget is the pool
        return EpsilonChoice(width, None, offers, max(top, 0.0))

    def at(eps: float) -> int:
        return interval_width(offers, base_rate, extra_variance, dispersion, eps)

    best = at(top)
    if best > width:
        return EpsilonChoice(width, None, best, top)
    low, high = epsilon_min, top  # at(high) meets it; find the smallest on the grid
    if at(low) <= width:
        return EpsilonChoice(width, low, at(low), top)
    while high - low > STEP / 2:
        mid = (low + high) / 2.0
        if at(mid) <= width:
            high = mid
        else:
            low = mid
    chosen = min(top, math.ceil(high / STEP - 1e-9) * STEP)
    return EpsilonChoice(width, round(chosen, 6), at(chosen), top)
