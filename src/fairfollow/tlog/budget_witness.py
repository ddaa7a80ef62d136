"""The budget witness: what a checkpoint's leaves mean, checked from the public leaves alone.

Before it cosigns, a budget witness replays every leaf of the new tree (read from the log's
tiles and hashed to the checkpoint's root, so the operator cannot show it other leaves) and
refuses, naming the first leaf at fault, when

- a ``release`` leaf does not follow its allowing decision: the latest committee decision
  logged for its service version before it is not ``service.approved``;
- an employer's season ε, summed over its release leaves, exceeds the cap the latest
  ``budget-cap`` leaf set for that employer and season (the default cap without one);
- a member commitment's season ε exceeds the per-member cap: one release alone spending
  more, or one commitment (a set of members) used again past the cap.

Its cosignature is then a claim a regulator can check without trusting the operator: the
leaves under this root keep the published caps. What it cannot check from public leaves is
one member's ε across *different* commitments — those are unlinkable by design (each release
salts its tokens); the operator's ``log audit --budgets`` recounts them with the members'
secrets. Pure: leaf bytes in, a refusal or nothing out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.record import LeafFormatError, LeafKind, decode_leaf

TOLERANCE = 1e-9
# The committee's decisions, logged under the workflow's event names (services/approval);
# spelled here because the log sits below services.
APPROVED = "service.approved"
DECISIONS = frozenset(
    {APPROVED, "service.vetoed", "service.amended", "service.review_reopened", "service.registered"}
)


@dataclass(frozen=True)
class BudgetRules:
    """The caps the witness holds the log to: an employer's season ε when no ``budget-cap``
    leaf set one, and a member's season ε."""

    default_cap: float = 4.0
    member_cap: float = 8.0


@dataclass(frozen=True)
class PublicRelease:
    """The public fields of a release leaf the witness reads."""

    employer: str
    service: str
    version: int | None
    season: int
    epsilon: float
    commitment: str | None  # the members' commitment root


def public_release(body: Mapping[str, object]) -> PublicRelease | None:
    """The release leaf's public fields (None when one is missing): the one place that
    knows their names in the leaf body."""
    employer, service, season = body.get("employer"), body.get("service"), body.get("season")
    epsilon, version, members = (
        body.get("epsilon"),
        body.get("service_version"),
        body.get("members"),
    )
    if not (isinstance(employer, str) and isinstance(service, str) and type(season) is int):
        return None
    if not isinstance(epsilon, int | float) or isinstance(epsilon, bool) or epsilon < 0:
        return None
    root = members.get("root") if isinstance(members, Mapping) else None
    return PublicRelease(
        employer,
        service,
        version if type(version) is int else None,
        season,
        float(epsilon),
        root if isinstance(root, str) else None,
    )


def vet_leaves(contents: Sequence[bytes], rules: BudgetRules) -> int:
    """Replay the leaves in order; the number of release leaves checked, or
    TransparencyLogError naming the first leaf that breaks a rule."""
    decisions: dict[tuple[str, int | None], str] = {}
    caps: dict[tuple[str, int], float] = {}
    spent: dict[tuple[str, int], float] = {}
    committed: dict[tuple[str, int], float] = {}
    releases = 0
    for index, content in enumerate(contents):
        try:
            record = decode_leaf(content).record
        except LeafFormatError as exc:
            raise TransparencyLogError("tlog.budget_leaf_unreadable", leaf=index) from exc
        body = record.body
        if record.kind in DECISIONS:
            service, version = body.get("service"), body.get("version")
            if isinstance(service, str) and type(version) is int:
                decisions[(service, version)] = record.kind
        elif record.kind == LeafKind.BUDGET_CAP:
            employer, season, cap = (
                body.get("employer"),
                body.get("season"),
                body.get("epsilon_cap"),
            )
            if isinstance(employer, str) and type(season) is int and isinstance(cap, int | float):
                caps[(employer, season)] = float(cap)
        elif record.kind == LeafKind.RELEASE:
            _vet_release(index, body, rules, decisions, caps, spent, committed)
            releases += 1
    return releases


def _vet_release(
    index: int,
    body: Mapping[str, object],
    rules: BudgetRules,
    decisions: Mapping[tuple[str, int | None], str],
    caps: Mapping[tuple[str, int], float],
    spent: dict[tuple[str, int], float],
    committed: dict[tuple[str, int], float],
) -> None:
    release = public_release(body)
    if release is None:
        raise TransparencyLogError("tlog.budget_release_unreadable", leaf=index)
    if decisions.get((release.service, release.version)) != APPROVED:
        raise TransparencyLogError(
            "tlog.budget_release_unapproved", leaf=index, service=release.service
        )
    key = (release.employer, release.season)
    total = spent.get(key, 0.0) + release.epsilon
    cap = caps.get(key, rules.default_cap)
    if total > cap + TOLERANCE:
        raise TransparencyLogError(
            "tlog.budget_employer_overspent",
            leaf=index,
            employer=release.employer,
            season=release.season,
            spent=round(total, 9),
            cap=cap,
        )
    spent[key] = total
    if release.commitment is None:
        raise TransparencyLogError("tlog.budget_release_unreadable", leaf=index)
    members = (release.commitment, release.season)
    used = committed.get(members, 0.0) + release.epsilon
    if used > rules.member_cap + TOLERANCE:
        raise TransparencyLogError(
            "tlog.budget_member_overspent",
            leaf=index,
            season=release.season,
            spent=round(used, 9),
            cap=rules.member_cap,
        )
    committed[members] = used
