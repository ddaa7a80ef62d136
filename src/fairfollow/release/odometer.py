"""One member's privacy odometer, as the ledger holds it and as the log recounts it.

For each season: the ε the ledger's member odometer says the member's data has cost
(``rel_member_odometer``) and the cap it may not pass, and the release leaves that debited
it — those whose commitment to their contributing members holds the member's token
(:mod:`fairfollow.release.spending`; only the member's own secret finds it). The recount is
the sum of those leaves' ε: what the member can check against the ledger's figure with a
proof of each leaf (``/me/releases/<id>/proof``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fairfollow.ledger.transaction import Connection
from fairfollow.release.budget_store import member_odometers
from fairfollow.release.spending import NOTHING, Spent, member_spent_from_leaves, release_claims
from fairfollow.tlog import member_store
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import decode_leaf


@dataclass(frozen=True)
class Debit:
    """A release leaf that used the member's data."""

    log_index: int
    decision_id: int
    employer: str
    epsilon: float


@dataclass(frozen=True)
class SeasonOdometer:
    season: int
    ledger: Spent  # the ledger's odometer row
    logged: Spent  # the release leaves' recount
    cap: float
    debits: tuple[Debit, ...]

    @property
    def agrees(self) -> bool:
        return (
            self.ledger.releases == self.logged.releases
            and abs(self.ledger.epsilon - self.logged.epsilon) <= 1e-9
        )

    @property
    def remaining(self) -> float:
        return max(0.0, self.cap - self.ledger.epsilon)


def member_odometer(conn: Connection, member_id: int, cap: float) -> tuple[SeasonOdometer, ...]:
    """The member's odometer for every season the ledger or the log has, oldest first."""
    rows = {
        season: Spent(spent, releases)
        for (member, season), (spent, releases) in member_odometers(conn).items()
        if member == member_id
    }
    secret = member_store.member_secret(conn, member_id)
    contents = [leaf.content for leaf in log_store.iter_leaves(conn)]
    debits: dict[int, list[Debit]] = {}
    logged: dict[int, Spent] = {}
    if secret is not None:  # an erased member's secret is shredded: nothing to recount
        for claim in release_claims(contents):
            totals, _ = member_spent_from_leaves(
                [claim],
                lambda root: member_store.load_commitment(conn, root),
                {member_id: secret},
            )
            if (member_id, claim.season) not in totals:
                continue
            body = decode_leaf(contents[claim.index]).record.body
            debits.setdefault(claim.season, []).append(
                Debit(
                    claim.index,
                    int(str(body.get("decision_id"))),
                    str(body.get("employer", "")),
                    claim.epsilon,
                )
            )
            logged[claim.season] = logged.get(claim.season, NOTHING).plus(claim.epsilon)
    return tuple(
        SeasonOdometer(
            season,
            rows.get(season, NOTHING),
            logged.get(season, NOTHING),
            cap,
            tuple(debits.get(season, ())),
        )
        for season in sorted(set(rows) | set(logged))
    )
