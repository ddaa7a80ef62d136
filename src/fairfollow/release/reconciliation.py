"""The ledger's privacy-budget odometers held to the transparency log (``log audit``).

Both odometers the release door checks — each employer's ε per season
(``gov_budget_entries``) and each member's ε per season (``rel_member_odometer``) — are
recomputed from the release leaves (:mod:`fairfollow.release.spending`) and compared row by
row. Any disagreement is a finding: an operator who deletes a spend row, lowers a member's
odometer so their data can be used again, or edits a stored commitment is caught by an
audit that trusts only the signed leaves. One read-only call on the ledger connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairfollow.ledger.transaction import Connection
from fairfollow.release.budget_store import budgets_of, member_odometers
from fairfollow.release.spending import (
    MemberFinding,
    SpendingFinding,
    Spent,
    member_findings,
    member_spent_from_leaves,
    release_claims,
    spending_findings,
    spent_from_leaves,
)
from fairfollow.tlog import member_store
from fairfollow.tlog import store as log_store


@dataclass(frozen=True)
class Reconciliation:
    """Every odometer row that disagrees with the log, and releases that cannot be recounted."""

    employers: tuple[SpendingFinding, ...]
    members: tuple[MemberFinding, ...]
    unrecounted: tuple[str, ...]
    members_checked: int

    @property
    def ok(self) -> bool:
        return not (self.employers or self.members or self.unrecounted)


def reconcile_budgets(conn: Connection) -> Reconciliation:
    """The employers' and the members' odometers against the ε the release leaves record."""
    contents = [leaf.content for leaf in log_store.iter_leaves(conn)]
    logged = spent_from_leaves(contents)
    ledger = {(b.employer, b.season): Spent(b.spent, b.releases) for b in budgets_of(conn)}
    secrets = member_store.all_secrets(conn)
    per_member, unrecounted = member_spent_from_leaves(
        release_claims(contents), lambda root: member_store.load_commitment(conn, root), secrets
    )
    rows = {key: Spent(spent, n) for key, (spent, n) in member_odometers(conn).items()}
    return Reconciliation(
        tuple(spending_findings(logged, ledger)),
        tuple(member_findings(per_member, rows)),
        tuple(unrecounted),
        len(secrets),
    )
