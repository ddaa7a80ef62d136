"""The two privacy budgets: ε per employer per season, and ε per member per season.

The odometer lives in the ledger (:mod:`fairfollow.release.budget_store`).

Every release to an employer spends ε from that employer's budget for the season; under
basic composition the ε of all its releases add up, so the odometer is the sum of spends
and a release that would take it past the cap is refused. Caps and spends are append-only
entries (``gov_budget_entries``); ``gov_budgets`` holds one row per (employer, season) that
exists to be locked.

The per-member odometer (``rel_member_odometer``) adds up, for each member and season, the
ε of every release that used the member's data, over all employers and services: basic
composition again, now for the person. A member whose odometer would pass
:attr:`PrivacyLimits.member_cap` counts at the base rate, like a member without consent.

Concurrency: the check and the spend happen in the release's transaction while it holds
the budget row — ``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock that the
ledger engine takes at ``BEGIN IMMEDIATE`` on SQLite — so simultaneous releases are
serialised and never overspend together.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairfollow.errors import GovernanceError
from fairfollow.settings import Settings

DEFAULT_SEASON_CAP = 4.0
# Sums of floating-point ε may miss an exact cap by a rounding error; never by more.
_TOLERANCE = 1e-9


class EntryKind(StrEnum):
    CAP = "cap"
    SPEND = "spend"


@dataclass(frozen=True)
class Budget:
    employer: str
    season: int
    cap: float
    spent: float
    releases: int

    @property
    def remaining(self) -> float:
        return max(0.0, self.cap - self.spent)

    def allows(self, epsilon: float) -> bool:
        return self.spent + epsilon <= self.cap + _TOLERANCE

    def as_json(self) -> dict[str, object]:
        return {
            "employer": self.employer,
            "season": self.season,
            "epsilon_cap": self.cap,
            "epsilon_spent": self.spent,
            "epsilon_remaining": self.remaining,
            "releases": self.releases,
        }


def check_cap(employer: str, season: int, cap: float, spent: float) -> None:
    """A cap is a non-negative ε, and never below what the season has already spent."""
    if not cap >= 0:
        raise GovernanceError("release.cap_negative", cap=cap)
    if cap + _TOLERANCE < spent:
        raise GovernanceError(
            "release.cap_below_spent", employer=employer, season=season, spent=spent
        )


def check_spend(current: Budget, epsilon: float) -> None:
    """The caller has checked :meth:`Budget.allows`; an overspend here is a broken
    invariant, not a refusal."""
    if not current.allows(epsilon):
        raise GovernanceError(
            "release.budget_overspent",
            employer=current.employer,
            season=current.season,
            spent=current.spent,
            epsilon=epsilon,
            cap=current.cap,
        )


@dataclass(frozen=True)
class PrivacyLimits:
    """The configured limits (``Settings``: ``release_epsilon_min``/``max``,
    ``budget_cap_ceiling``, ``member_season_cap``), passed down from the edge."""

    epsilon_min: float = 0.05
    epsilon_max: float = 2.0
    cap_ceiling: float = 8.0
    member_cap: float = 8.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PrivacyLimits:
        return cls(
            epsilon_min=settings.release_epsilon_min,
            epsilon_max=settings.release_epsilon_max,
            cap_ceiling=settings.budget_cap_ceiling,
            member_cap=settings.member_season_cap,
        )

    def epsilon_allowed(self, epsilon: float) -> bool:
        return self.epsilon_min <= epsilon <= self.epsilon_max

    def member_allows(self, spent: float, epsilon: float) -> bool:
        return spent + epsilon <= self.member_cap + _TOLERANCE


DEFAULT_LIMITS = PrivacyLimits()


def check_raise(current: float, cap: float, ceiling: float, reason: str) -> None:
    """A cap never exceeds the hard ceiling; raising one needs a stated reason."""
    if cap > ceiling + _TOLERANCE:
        raise GovernanceError("release.cap_over_ceiling", cap=cap, ceiling=ceiling)
    if cap > current + _TOLERANCE and not reason.strip():
        raise GovernanceError("release.cap_raise_needs_reason", current=current, cap=cap)
