"""Release decisions and provision records as the staff and a regulator read them.

:func:`release_decisions` gives every decision of the release door — released and refused —
with each rule's outcome and citation and the ε it spent, filterable by employer and season.
:func:`decision_rows` and :func:`provision_rows` are the same records as CSV rows for a
regulator (APPI Art. 29 provision records; the decisions behind them). Nothing here names a
person: decisions and provision records count persons, they do not list them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.actor import Actor
from fairfollow.ledger.transaction import Connection
from fairfollow.records import decision_store, provision_store

RELEASE_REQUESTS = ("release_forecast", "release_individual")


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    outcome: str
    citation: str
    summary_en: str
    summary_ja: str


@dataclass(frozen=True)
class DecisionLine:
    decision_id: int
    request: str
    outcome: str
    reason: str
    employer: str | None
    season: int | None
    service_id: str | None
    at: datetime
    actor: Actor
    epsilon: float | None  # spent by a release; None for a refusal
    rules: tuple[RuleOutcome, ...]

    @property
    def released(self) -> bool:
        return self.outcome == "allow"

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(sorted({r.citation for r in self.rules}))


def _epsilon(detail: object) -> float | None:
    if not isinstance(detail, dict):
        return None
    released = detail.get("released")
    value = released.get("epsilon") if isinstance(released, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _line(record: decision_store.DecisionRecord) -> DecisionLine:
    rules = json.loads(record.rules or "{}")
    listed = rules.get("rules", []) if isinstance(rules, dict) else []
    return DecisionLine(
        record.decision_id,
        record.request,
        record.outcome,
        record.reason,
        record.employer,
        record.season,
        record.service_id,
        record.at,
        record.actor,
        _epsilon(json.loads(record.detail or "{}")),
        tuple(
            RuleOutcome(r["rule"], r["outcome"], r["citation"], r["summary_en"], r["summary_ja"])
            for r in listed
        ),
    )


def release_decisions(
    conn: Connection, *, employer: str | None = None, season: int | None = None
) -> list[DecisionLine]:
    """Every release decision, newest first, for one employer and/or season if given."""
    found = [
        _line(d)
        for d in decision_store.load_decisions(conn, employer=employer or None)
        if d.request in RELEASE_REQUESTS and (season is None or d.season == season)
    ]
    return sorted(found, key=lambda d: -d.decision_id)


def all_decisions(conn: Connection) -> list[DecisionLine]:
    """Every decision the ledger holds (service reviews, releases, intake), oldest first."""
    return [_line(d) for d in decision_store.load_decisions(conn)]


@dataclass(frozen=True)
class Facets:
    employers: tuple[str, ...]
    seasons: tuple[int, ...]


def facets(lines: Sequence[DecisionLine]) -> Facets:
    """The employers and seasons the decisions name (for the filter's choices)."""
    return Facets(
        tuple(sorted({d.employer for d in lines if d.employer})),
        tuple(sorted({d.season for d in lines if d.season is not None})),
    )


DECISION_HEADER = (
    "decision_id",
    "request",
    "outcome",
    "reason",
    "employer",
    "season",
    "service_id",
    "at",
    "actor",
    "epsilon",
    "denied_by",
    "citations",
)
PROVISION_HEADER = (
    "provision_id",
    "decision_id",
    "recipient",
    "recipient_class",
    "items",
    "consent_basis",
    "persons",
    "provided_at",
    "retain_until",
)


def decision_rows(lines: Sequence[DecisionLine]) -> list[tuple[object, ...]]:
    return [
        (
            d.decision_id,
            d.request,
            d.outcome,
            d.reason,
            d.employer,
            d.season,
            d.service_id,
            d.at.isoformat(),
            str(d.actor),
            d.epsilon,
            " ".join(r.rule_id for r in d.rules if r.outcome == "deny"),
            "; ".join(d.citations),
        )
        for d in lines
    ]


def provision_rows(conn: Connection) -> list[tuple[object, ...]]:
    """Every provision record (APPI Art. 29), oldest first, as CSV cells."""
    rows = []
    for p in provision_store.provisions_to(conn):
        data = p.as_json()
        rows.append(tuple(data[name] for name in PROVISION_HEADER))
    return rows
