"""An incident as the register keeps it, its reports, and where each duty stands (pure).

The legal reading (triggers, exemptions, due times) is :mod:`fairfollow.law.incidents`;
this module adds what the register knows: who recorded the incident and when, which
reports were filed and whether each was on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.actor import Actor
from fairfollow.canonical_json import JsonValue
from fairfollow.errors import InputError
from fairfollow.instants import in_jst, utc
from fairfollow.law.incidents import Assessment, Duty, IncidentFacts, assess

MAX_TEXT = 4_000


@dataclass(frozen=True)
class IncidentInput:
    """What the privacy officer records: the facts, and what happened in their words."""

    facts: IncidentFacts
    summary: str
    cause: str = ""

    def __post_init__(self) -> None:
        if not self.summary.strip():
            raise InputError("incidents.summary_missing")
        if len(self.summary) > MAX_TEXT or len(self.cause) > MAX_TEXT:
            raise InputError("incidents.text_too_long", limit=MAX_TEXT)
        if not self.facts.categories:
            raise InputError("incidents.categories_missing")


@dataclass(frozen=True)
class Report:
    """A report or notice filed for an incident: when it was made (as stated) and when the
    ledger learnt of it (its own clock: the log leaf's time, not the operator's claim)."""

    report_id: int
    incident_id: int
    duty: Duty
    filed_at: datetime
    logged_at: datetime
    filed_by: Actor
    reference: str
    leaf_index: int


@dataclass(frozen=True)
class DutyStatus:
    """One duty of one incident at an instant."""

    incident_id: int
    duty: Duty
    required: bool
    due_at: datetime | None
    done_at: datetime | None
    now: datetime

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def late(self) -> bool:
        """Filed after its due time, or still open past it."""
        if not self.required or self.due_at is None:
            return False
        return utc(self.done_at or self.now) > self.due_at

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "incident_id": self.incident_id,
            "duty": self.duty.value,
            "required": self.required,
            "due_at": None if self.due_at is None else in_jst(self.due_at),
            "done_at": None if self.done_at is None else in_jst(self.done_at),
            "late": self.late,
        }


@dataclass(frozen=True)
class Incident:
    incident_id: int
    input: IncidentInput
    recorded_at: datetime
    recorded_by: Actor
    leaf_index: int
    reports: tuple[Report, ...] = ()

    @property
    def ref(self) -> str:
        return f"inc-{self.incident_id:04d}"

    @property
    def facts(self) -> IncidentFacts:
        return self.input.facts

    @property
    def assessment(self) -> Assessment:
        return assess(self.facts)

    def status(self, now: datetime) -> tuple[DutyStatus, ...]:
        filed: dict[Duty, datetime] = {}
        for report in sorted(self.reports, key=lambda r: r.filed_at):
            filed.setdefault(report.duty, report.filed_at)
        return tuple(
            DutyStatus(self.incident_id, d.duty, d.required, d.due_at, filed.get(d.duty), now)
            for d in self.assessment.duties
        )

    def as_json(self, now: datetime) -> dict[str, JsonValue]:
        facts, found = self.facts, self.assessment
        return {
            "incident_id": self.incident_id,
            "ref": self.ref,
            "summary": self.input.summary,
            "cause": self.input.cause,
            "discovered_at": in_jst(facts.discovered_at),
            "recorded_at": in_jst(self.recorded_at),
            "recorded_by": str(self.recorded_by),
            "persons": facts.persons,
            "eu_persons": facts.eu_persons,
            "categories": list(facts.categories),
            "special_care": facts.special_care,
            "financial_loss": facts.financial_loss,
            "unlawful_purpose": facts.unlawful_purpose,
            "acquisition": facts.acquisition,
            "encrypted": facts.encrypted,
            "pseudonymised": facts.pseudonymised,
            "triggers": [t.value for t in found.triggers],
            "exemptions": [e.value for e in found.exemptions],
            "reportable": found.reportable,
            "citations": [str(c) for c in found.citations],
            "duties": [s.as_json() for s in self.status(now)],
            "leaf_index": self.leaf_index,
            "reports": [
                {
                    "duty": r.duty.value,
                    "filed_at": in_jst(r.filed_at),
                    "logged_at": in_jst(r.logged_at),
                    "by": str(r.filed_by),
                    "reference": r.reference,
                    "leaf_index": r.leaf_index,
                }
                for r in self.reports
            ],
        }


def due_list(incidents: tuple[Incident, ...], now: datetime) -> tuple[DutyStatus, ...]:
    """Every required duty not yet done, soonest due (so overdue) first."""
    open_duties = [
        s for i in incidents for s in i.status(now) if s.required and not s.done and s.due_at
    ]
    order = list(Duty)
    return tuple(sorted(open_duties, key=lambda s: (s.due_at, s.incident_id, order.index(s.duty))))
