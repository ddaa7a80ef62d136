"""Peer benchmarks: per group of employers (industry × size band), the acceptance rate of
offers, entries per offer and the seminar-to-entry rate, as a public table. Pure.

The statistic. Four vectors over groups — offers, accepted offers, entries, seminar
bookings — summed over members whose ``statistics`` consent is valid. Each member is
clipped: their counts of one quantity over all groups together are scaled down to at most
the published bound ``B_q`` (:class:`Bounds`), in proportion across the groups they touch.

Sensitivity. Adding or removing one member changes the vector of quantity ``q`` by at most
``B_q`` in L1 (their clipped counts, whatever their behaviour, and no one else's). Each
vector gets Laplace noise of scale ``4 B_q / ε`` (OpenDP, L1 sensitivity ``B_q``, ε/4 each),
so the four together are ε-DP under basic composition; every contributing member's odometer
is charged ε. The property test adds and removes members with extreme counts.

Post-processing: the rates are ratios of noisy sums, clipped to their range; a group whose
noisy offers (for the offer rates) or noisy seminar bookings (for the seminar rate) fall
under the published minimum is suppressed — decided on noisy figures only, so suppression
reveals nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairfollow.canonical_json import JsonValue
from fairfollow.errors import InputError
from fairfollow.release.noise import add_noise

QUANTITIES = ("offers", "accepted", "entries", "seminars")
# Published minimums, on noisy figures: offers for the offer rates, seminar bookings for the
# seminar-to-entry rate (chosen so a group at the minimum has a relative error near 10%).
GROUP_MINIMUM = 400
SEMINAR_MINIMUM = 1_500

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Bounds:
    """Per member and season, over all groups: the most each quantity may count (public)."""

    offers: float = 5.0
    accepted: float = 1.0
    entries: float = 50.0
    seminars: float = 20.0

    def of(self, quantity: str) -> float:
        return float(getattr(self, quantity))

    def as_json(self) -> dict[str, JsonValue]:
        return {q: self.of(q) for q in QUANTITIES}


DEFAULT_BOUNDS = Bounds()


@dataclass(frozen=True)
class Contributions:
    """Per (member, group) row: the member's counts in that group (unclipped)."""

    member: NDArray[np.int64]
    group: NDArray[np.int64]
    counts: dict[str, FloatArray]  # quantity → per-row count

    @classmethod
    def of(cls, member: ArrayLike, group: ArrayLike, **counts: ArrayLike) -> Contributions:
        rows = np.asarray(member, dtype=np.int64)
        values = {q: np.asarray(counts[q], dtype=np.float64) for q in QUANTITIES}
        if any(v.shape != rows.shape or (v < 0).any() for v in values.values()):
            raise InputError("planning.counts_invalid")
        return cls(rows, np.asarray(group, dtype=np.int64), values)


def clipped_sums(
    rows: Contributions, groups: int, bounds: Bounds = DEFAULT_BOUNDS
) -> dict[str, FloatArray]:
    """Per quantity, the vector over groups of members' clipped counts (L1 change ≤ B_q)."""
    members, index = np.unique(rows.member, return_inverse=True)
    sums: dict[str, FloatArray] = {}
    for q in QUANTITIES:
        values = rows.counts[q]
        total = np.zeros(members.size)
        np.add.at(total, index, values)
        bound = bounds.of(q)
        factor = np.where(total > bound, bound / np.where(total > 0, total, 1.0), 1.0)
        clipped = values * factor[index]
        vector = np.zeros(groups)
        np.add.at(vector, rows.group, clipped)
        sums[q] = vector
    return sums


@dataclass(frozen=True)
class GroupRates:
    """One group's published rates (None: suppressed under the minimum)."""

    group: str
    acceptance_rate: float | None
    entries_per_offer: float | None
    seminar_to_entry: float | None

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "group": self.group,
            "acceptance_rate": self.acceptance_rate,
            "entries_per_offer": self.entries_per_offer,
            "seminar_to_entry": self.seminar_to_entry,
        }


def rates_of(
    noisy: dict[str, ArrayLike],
    minimum: float = GROUP_MINIMUM,
    seminar_minimum: float = SEMINAR_MINIMUM,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Acceptance rate, entries per offer, seminar-to-entry rate from noisy sums (NaN:
    suppressed); vectorised over leading axes for the bench."""
    offers = np.asarray(noisy["offers"], dtype=np.float64)
    accepted = np.asarray(noisy["accepted"], dtype=np.float64)
    entries = np.asarray(noisy["entries"], dtype=np.float64)
    seminars = np.asarray(noisy["seminars"], dtype=np.float64)
    enough = offers >= minimum
    safe = np.where(enough, offers, 1.0)
    acceptance = np.where(enough, np.clip(accepted / safe, 0.0, 1.0), np.nan)
    per_offer = np.where(enough, np.maximum(entries / safe, 0.0), np.nan)
    booked = seminars >= seminar_minimum
    seminar = np.where(booked, np.maximum(entries / np.where(booked, seminars, 1.0), 0.0), np.nan)
    return acceptance, per_offer, seminar


@dataclass(frozen=True)
class BenchmarkTable:
    """The public table: rates per group, the bounds, the minimum, the ε it cost."""

    groups: tuple[GroupRates, ...]
    bounds: Bounds
    minimum: float
    seminar_minimum: float
    epsilon: float

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "groups": [g.as_json() for g in self.groups],
            "bounds": self.bounds.as_json(),
            "minimum": self.minimum,
            "seminar_minimum": self.seminar_minimum,
            "epsilon": self.epsilon,
        }

    def of(self, group: str) -> GroupRates | None:
        return next((g for g in self.groups if g.group == group), None)


def _published(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 3)


def release_benchmarks(
    rows: Contributions,
    names: Sequence[str],
    epsilon: float,
    bounds: Bounds = DEFAULT_BOUNDS,
    minimum: float = GROUP_MINIMUM,
    seminar_minimum: float = SEMINAR_MINIMUM,
) -> BenchmarkTable:
    """Noise the four clipped vectors (ε/4 each, OpenDP) and publish the rates."""
    sums = clipped_sums(rows, len(names), bounds)
    noisy: dict[str, ArrayLike] = {}
    spent = 0.0
    for q in QUANTITIES:
        figures = add_noise(list(sums[q]), epsilon / len(QUANTITIES), sensitivity=bounds.of(q))
        noisy[q] = figures.values
        spent += figures.epsilon
    acceptance, per_offer, seminar = rates_of(noisy, minimum, seminar_minimum)
    groups = tuple(
        GroupRates(name, _published(a), _published(e), _published(s))
        for name, a, e, s in zip(names, acceptance, per_offer, seminar, strict=True)
    )
    return BenchmarkTable(groups, bounds, minimum, seminar_minimum, spent)
