"""The per-employer privacy budget: ε per season, its records and rules.

The odometer lives in the ledger (:mod:`fairfollow.release.budget_store`).

Every release to an employer spends ε from that employer's budget for the season; under
basic composition the ε of all its releases add up, so the odometer is the sum of spends
and a release that would take it past the cap is refused. Caps and spends are append-only
entries (``gov_budget_entries``); ``gov_budgets`` holds one row per (employer, season) that
exists to be locked.

Concurrency: the check and the spend happen in the release's transaction while it holds
the budget row — ``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock that the
ledger engine takes at ``BEGIN IMMEDIATE`` on SQLite — so simultaneous releases are
serialised and never overspend together.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairfollow.errors import GovernanceError

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
        raise GovernanceError(f"a privacy budget cap must be >= 0, got {cap}")
    if cap + _TOLERANCE < spent:
        raise GovernanceError(
            f"{employer} has already spent ε={spent:g} in season {season}; "
            f"the cap cannot go below it"
        )


def check_spend(current: Budget, epsilon: float) -> None:
    """The caller has checked :meth:`Budget.allows`; an overspend here is a broken
    invariant, not a refusal."""
    if not current.allows(epsilon):
        raise GovernanceError(
            f"privacy budget of {current.employer} (season {current.season}) would be "
            f"overspent: {current.spent:g} + {epsilon:g} > {current.cap:g}"
        )
