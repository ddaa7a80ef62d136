"""The privacy budget according to the log: ε spent per employer and season, and per
member and season, recomputed from the ``release`` leaves, and every ledger odometer row
that disagrees (pure).

The odometer rows in the ledger are what the release door checks; the leaves are what the
log's signatures vouch for. An operator who deletes or edits spend rows to give an
employer (or a member's data) more budget leaves the leaves as they were, and the two no
longer agree.

A member's ε is recounted through the leaf's commitment to its contributing members
(:mod:`fairfollow.tlog.commitment`): the member's token under the leaf's salt, made from the
member's secret, is among the committed tokens exactly when the release used the member.
The committed tokens are those the ledger stored under the root the leaf publishes, checked
against that root first, so they cannot be edited either. Members whose secret erasure
shredded cannot be recounted, and erasure deletes their odometer rows with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from fairfollow.tlog.commitment import Commitment, token
from fairfollow.tlog.record import LeafFormatError, LeafKind, decode_leaf

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Spent:
    epsilon: float
    releases: int

    def plus(self, epsilon: float) -> Spent:
        """These totals and one more release of ``epsilon``."""
        return Spent(self.epsilon + epsilon, self.releases + 1)


NOTHING = Spent(0.0, 0)
K = TypeVar("K", tuple[str, int], tuple[int, int])


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
    for claim in release_claims(contents):
        if claim.employer is not None:
            key = (claim.employer, claim.season)
            totals[key] = totals.get(key, NOTHING).plus(claim.epsilon)
    return totals


def _disagreeing(logged: Mapping[K, Spent], ledger: Mapping[K, Spent]) -> Iterator[K]:
    """The keys where the log's total and the ledger's odometer differ (a key missing on
    one side counts as nothing spent there)."""
    for key in sorted(set(logged) | set(ledger)):
        mine, theirs = logged.get(key, NOTHING), ledger.get(key, NOTHING)
        if mine.releases != theirs.releases or abs(mine.epsilon - theirs.epsilon) > TOLERANCE:
            yield key


def spending_findings(
    logged: Mapping[tuple[str, int], Spent], ledger: Mapping[tuple[str, int], Spent]
) -> list[SpendingFinding]:
    """Every (employer, season) where the ledger's odometer and the log disagree."""
    return [
        SpendingFinding(k[0], k[1], logged.get(k, NOTHING), ledger.get(k, NOTHING))
        for k in _disagreeing(logged, ledger)
    ]


@dataclass(frozen=True)
class MemberFinding:
    member_id: int
    season: int
    logged: Spent
    ledger: Spent

    @property
    def detail(self) -> str:
        return (
            f"member {self.member_id} season {self.season}: the log's releases used the "
            f"member's data for ε {self.logged.epsilon:g} in {self.logged.releases} releases; "
            f"the ledger's member odometer says ε {self.ledger.epsilon:g} in "
            f"{self.ledger.releases}"
        )


@dataclass(frozen=True)
class ReleaseClaim:
    """What one release leaf states about its spend and its contributing members."""

    index: int
    season: int
    epsilon: float
    members: Mapping[str, object] | None
    employer: str | None = None


def release_claims(contents: Iterable[bytes]) -> list[ReleaseClaim]:
    """Every well-formed release leaf's season, ε and member commitment, with its index."""
    claims = []
    for index, content in enumerate(contents):
        try:
            record = decode_leaf(content).record
        except LeafFormatError:
            continue
        body = record.body
        season, epsilon, members = body.get("season"), body.get("epsilon"), body.get("members")
        if record.kind != LeafKind.RELEASE or not isinstance(season, int):
            continue
        if not isinstance(epsilon, int | float):
            continue
        employer = body.get("employer")
        claims.append(
            ReleaseClaim(
                index, season, float(epsilon), members if isinstance(members, dict) else None,
                employer if isinstance(employer, str) else None,
            )
        )  # fmt: skip
    return claims


def _committed(
    claim: ReleaseClaim, commitment_of: Callable[[bytes], Commitment | None]
) -> tuple[bytes, frozenset[bytes]] | str:
    """The salt and committed tokens of a claim, or why they cannot be trusted."""
    members = claim.members
    if members is None:
        return f"release leaf {claim.index} carries no commitment to its members"
    try:
        salt = bytes.fromhex(str(members["salt"]))
        root = bytes.fromhex(str(members["root"]))
        size = members["size"]
    except (KeyError, ValueError):
        return f"release leaf {claim.index}: malformed member commitment"
    stored = commitment_of(root)
    if stored is None:
        return f"release leaf {claim.index}: the ledger holds no commitment under its root"
    if stored.root != root or stored.salt != salt or stored.size != size:
        return f"release leaf {claim.index}: the ledger's commitment does not match the leaf"
    return salt, frozenset(stored.tokens)


def member_spent_from_leaves(
    claims: Iterable[ReleaseClaim],
    commitment_of: Callable[[bytes], Commitment | None],
    secrets: Mapping[int, bytes],
) -> tuple[dict[tuple[int, int], Spent], list[str]]:
    """ε and release count per (member, season) from the release leaves, and the leaves
    whose members cannot be recounted (no commitment, or one the ledger altered)."""
    totals: dict[tuple[int, int], Spent] = {}
    problems: list[str] = []
    for claim in claims:
        committed = _committed(claim, commitment_of)
        if isinstance(committed, str):
            problems.append(committed)
            continue
        salt, tokens = committed
        for member, secret in secrets.items():
            if token(secret, salt) in tokens:
                key = (member, claim.season)
                totals[key] = totals.get(key, NOTHING).plus(claim.epsilon)
    return totals, problems


def member_findings(
    logged: Mapping[tuple[int, int], Spent], ledger: Mapping[tuple[int, int], Spent]
) -> list[MemberFinding]:
    """Every (member, season) where the ledger's member odometer and the log disagree (an
    odometer row at zero for a member no release used agrees with the log)."""
    return [
        MemberFinding(k[0], k[1], logged.get(k, NOTHING), ledger.get(k, NOTHING))
        for k in _disagreeing(logged, ledger)
    ]
