"""The privacy budget according to the log: ε spent per employer and season, recomputed
from the ``release`` leaves alone, and every ledger odometer row that disagrees (pure).

The odometer rows in the ledger are what the release door checks; the leaves are what the
log's signatures vouch for. An operator who deletes or edits spend rows to give an
employer more budget leaves the leaves as they were, and the two no longer agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fairfollow.tlog.record import LeafFormatError, decode_leaf

RELEASE_KIND = "release"
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Spent:
    epsilon: float
    releases: int


@dataclass(frozen=True)
class SpendingFinding:
    employer: str
    season: int
    logged: Spent
    ledger: Spent

    @property
    def detail(self) -> str:
        return (
            f"{self.employer} season {self.season}: the log's releases spent ε "
            f"{self.logged.epsilon:g} in {self.logged.releases} releases; the ledger's "
            f"odometer says ε {self.ledger.epsilon:g} in {self.ledger.releases}"
        )


def spent_from_leaves(contents: Iterable[bytes]) -> dict[tuple[str, int], Spent]:
    """ε and release count per (employer, season), from the leaf contents."""
    totals: dict[tuple[str, int], Spent] = {}
    for content in contents:
        try:
            record = decode_leaf(content).record
        except LeafFormatError:
            continue  # the structural audit reports malformed leaves
        if record.kind != RELEASE_KIND:
            continue
        body = record.body
        employer, season, epsilon = body.get("employer"), body.get("season"), body.get("epsilon")
        if not isinstance(employer, str) or not isinstance(season, int):
            continue
        if not isinstance(epsilon, int | float):
            continue
        key = (employer, season)
        before = totals.get(key, Spent(0.0, 0))
        totals[key] = Spent(before.epsilon + float(epsilon), before.releases + 1)
    return totals


def spending_findings(
    logged: Mapping[tuple[str, int], Spent], ledger: Mapping[tuple[str, int], Spent]
) -> list[SpendingFinding]:
    """Every (employer, season) where the ledger's odometer and the log disagree."""
    findings: list[SpendingFinding] = []
    for key in sorted(set(logged) | set(ledger)):
        mine, theirs = logged.get(key, Spent(0.0, 0)), ledger.get(key, Spent(0.0, 0))
        if mine.releases != theirs.releases or abs(mine.epsilon - theirs.epsilon) > TOLERANCE:
            findings.append(SpendingFinding(key[0], key[1], mine, theirs))
    return findings
