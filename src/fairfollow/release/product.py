"""Release kinds: what the door adds to a forecast's released figures.

Every kind goes through the one door (:func:`fairfollow.release.door.release_forecast`):
the same checks, consent filter, minimum pool, odometers and records (a ``release_forecast``
decision, so that erasure, the records report and the employer's history see every release
of the pool). A kind names itself in the released figures (``product``) and adds figures:

- by post-processing the forecast's released figures and public values (the pool's size,
  the model's dispersion and widening in :class:`ExactFigures`, measured on the previous
  season) — no ε beyond the forecast's (the planner);
- or from a statistic of its own over the pool's offer terms (:class:`PoolTerms`, the terms
  of the forecast's statistic, one member's at most 1), noised with the ε the forecast leaves
  it: the forecast is noised at ``forecast_share`` of the ε asked, the kind spends at most the
  rest, and the release's ε is the sum (the arrival curve).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from fairfollow.canonical_json import JsonValue
from fairfollow.release.figures import ExactFigures, ReleasedFigures


@dataclass(frozen=True)
class PoolTerms:
    """Each uploaded offer's term in the forecast's statistic, its offer date, the instant."""

    terms: tuple[float, ...]
    offer_dates: tuple[date, ...]
    at: datetime


def pool_terms(
    offer_members: Sequence[int | None],
    usable: Collection[int],
    scores: Mapping[int, float],
    base_rate: float,
    offer_dates: Sequence[date],
    at: datetime,
) -> PoolTerms:
    """The terms as :func:`fairfollow.release.statistic.pool_statistic` counts them: the
    first offer of a usable, scored member with its probability, every other at the base
    rate."""
    seen: set[int] = set()
    terms: list[float] = []
    for member in offer_members:
        if member is not None and member in usable and member in scores and member not in seen:
            seen.add(member)
            terms.append(float(scores[member]))
        else:
            terms.append(base_rate)
    return PoolTerms(tuple(terms), tuple(offer_dates), at)


@dataclass(frozen=True)
class Extension:
    """The figures a kind adds, and the ε its own noise spent (0 for post-processing)."""

    figures: dict[str, JsonValue]
    epsilon: float = 0.0


class Product(Protocol):
    @property
    def name(self) -> str:
        """The kind's name, stated in the released figures (``forecast``, ``plan`` …)."""
        ...

    @property
    def forecast_share(self) -> float:
        """The share of the ε asked that the forecast's own noise spends (1: all of it)."""
        ...

    def extend(
        self, figures: ReleasedFigures, exact: ExactFigures, pool: PoolTerms, epsilon: float
    ) -> Extension:
        """Figures added to the release (and its leaf); ``epsilon`` is what is left of the
        ε asked once the forecast is noised."""
        ...


@dataclass(frozen=True)
class Forecast:
    """The plain forecast: nothing added."""

    name: str = "forecast"
    forecast_share: float = 1.0

    def extend(
        self, figures: ReleasedFigures, exact: ExactFigures, pool: PoolTerms, epsilon: float
    ) -> Extension:
        return Extension({})


FORECAST = Forecast()
