"""The release's transparency-log leaf: what it says, and the ledger clock it sets.

:func:`leaf_body` is the one place a release or refusal leaf is built (with the commitment to the
contributing members, docs/rights.md). The public leaf carries only
the noised figures and the ε spent: an exact count of persons would tell an employer who
adds one applicant whether that person consented.

The ledger's clock is the instant of the latest leaf: a release is never recorded earlier
than anything already in the log (:func:`ledger_clock`), so a backdated release cannot
use a member again after a withdrawal the log has already passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafFormatError, decode_leaf


@dataclass(frozen=True)
class LeafFacts:
    """What a release leaf states (no personal data, no exact count)."""

    decision_id: int
    request: str
    outcome: str
    reason: str
    employer: str
    service: str
    service_version: int | None
    season: int
    at: datetime
    citations: tuple[str, ...]
    figures: dict[str, JsonValue] | None = None
    epsilon: float | None = None
    members: JsonValue | None = None  # the commitment to the contributing members


def leaf_body(facts: LeafFacts) -> dict[str, JsonValue]:
    """The body of the leaf of one release decision."""
    body: dict[str, JsonValue] = {
        "decision_id": facts.decision_id,
        "request": facts.request,
        "outcome": facts.outcome,
        "reason": facts.reason,
        "employer": facts.employer,
        "service": facts.service,
        "service_version": facts.service_version,
        "season": facts.season,
        "at": facts.at.isoformat(),
        "citations": list(facts.citations),
    }
    if facts.figures is not None:
        body["figures"] = facts.figures
        body["epsilon"] = facts.epsilon
    if facts.members is not None:
        body["members"] = facts.members
    return body


def ledger_clock(conn: Connection) -> datetime | None:
    """The instant of the latest leaf that states one (None for an empty log)."""
    size = log_store.tree_size(conn)
    for index in range(size - 1, max(-1, size - 64), -1):
        try:
            body = decode_leaf(log_store.read_leaf(conn, index).content).record.body
        except LeafFormatError:
            continue
        at = body.get("at")
        if isinstance(at, str):
            try:
                return datetime.fromisoformat(at)
            except ValueError:
                continue
    return None
