"""Release kinds: what the door adds to a forecast's released figures, by post-processing.

Every kind goes through the one door (:func:`fairfollow.release.door.release_forecast`):
the same checks, the same one noised statistic ``S̃`` and ε, the same records (a
``release_forecast`` decision, so that erasure, the records report and the employer's history
see every release of ``S̃``). A kind names itself in the released figures (``product``) and
adds figures computed from the released figures and public values (the pool's size, the
model's dispersion and widening in :class:`ExactFigures`, measured on the previous season) —
never from the exact statistic, so it costs no ε beyond the forecast's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fairfollow.canonical_json import JsonValue
from fairfollow.release.figures import ExactFigures, ReleasedFigures


class Product(Protocol):
    @property
    def name(self) -> str:
        """The kind's name, stated in the released figures (``forecast``, ``plan`` …)."""
        ...

    def extend(self, figures: ReleasedFigures, exact: ExactFigures) -> dict[str, JsonValue]:
        """Figures added to the release (and its leaf), from ``figures`` and the public
        values of ``exact`` only (pool size, dispersion, widening)."""
        ...


@dataclass(frozen=True)
class Forecast:
    """The plain forecast: nothing added."""

    name: str = "forecast"

    def extend(self, figures: ReleasedFigures, exact: ExactFigures) -> dict[str, JsonValue]:
        return {}


FORECAST = Forecast()
