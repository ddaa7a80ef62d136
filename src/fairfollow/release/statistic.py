"""The one statistic a release noises, and why one member moves it by at most 1. Pure.

``S = Σ_offers p``, over every offer the employer uploaded: an offer counts with the model's
probability when its member's data may be used (valid consent for the release's purpose,
odometer not full, a score), and with the public base rate otherwise. Each member counts
with behaviour for **one** offer of the pool at most; a second offer of the same member
(a list that names someone twice) counts at the base rate.

Sensitivity. Two neighbouring ledgers differ in one member's data (present or absent,
whatever their behaviour). What can that change?

1. The member's own offer: its term is a probability or the base rate, both in [0, 1]; so
   it moves S by at most 1. Their other offers in the pool count at the base rate either
   way (one behavioural offer per member).
2. Anyone else's term: a member's probability is the model applied to that member's own
   events and to public values only — the model (trained on the previous season's
   members), the base rate (the previous season's share of offers accepted), and the
   company-level aggregates, which come from the previous season's events
   (``model.features``: ``company_season``), never from this season's members. So
   nothing of one member reaches another member's term.
3. The pool itself (which offers, how many) is the employer's upload: the employer's own
   data, not the member's, and public to it.

Hence |S − S'| ≤ 1 for every pair of neighbours, and ``S + Laplace(1/ε)`` is ε-DP. The
property test (``tests/release/test_statistic.py``) removes each member of a small
season in turn, adds an adversarial member with extreme behaviour, rebuilds the features
and the scores through the real pipeline, and checks |ΔS| ≤ 1 every time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolStatistic:
    """The terms of S: the behavioural probabilities and the base-rate offers."""

    behavioural: tuple[float, ...]
    base_rate_offers: int
    used_members: tuple[int, ...]  # members whose data the statistic rests on (sorted)
    repeated_offers: int  # second offers of a member, counted at the base rate

    def value(self, base_rate: float) -> float:
        return sum(self.behavioural) + self.base_rate_offers * base_rate


def pool_statistic(
    offer_members: Sequence[int | None],
    usable: Collection[int],
    scores: Mapping[int, float],
) -> PoolStatistic:
    """The terms of S for a pool whose offers belong to ``offer_members`` (``None``: no
    matched member). ``usable``: members whose data the release may use; ``scores``: their
    probabilities (members without one count at the base rate)."""
    seen: set[int] = set()
    behavioural: list[float] = []
    repeated = 0
    for member in offer_members:
        if member is None or member not in usable or member not in scores:
            continue
        if member in seen:
            repeated += 1
            continue
        seen.add(member)
        p = float(scores[member])
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a probability outside [0, 1] for an offer: {p}")
        behavioural.append(p)
    return PoolStatistic(
        behavioural=tuple(behavioural),
        base_rate_offers=len(offer_members) - len(behavioural),
        used_members=tuple(sorted(seen)),
        repeated_offers=repeated,
    )
