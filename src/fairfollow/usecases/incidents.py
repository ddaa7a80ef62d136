"""Leak incidents on the statutory clock (APPI Art. 26; PPC Rules Art. 7–10; GDPR Art. 33/34).

The privacy officer or an operator records an incident (``incident.record``); only the
privacy officer files its reports (``incident.report``); the due list, an incident and its
report draft go to the privacy officer, the auditor and the operator (``incident.read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, require
from fairfollow.incidents import register, store
from fairfollow.incidents.draft import ReportDraft, draft
from fairfollow.incidents.incident import DutyStatus, Incident, IncidentInput, Report
from fairfollow.incidents.incident import due_list as open_duties
from fairfollow.law.incidents import Duty
from fairfollow.ledger.transaction import Engine, reading


@dataclass(frozen=True)
class DueList:
    at: datetime
    open: tuple[DutyStatus, ...]
    incidents: tuple[Incident, ...]

    @property
    def late(self) -> tuple[DutyStatus, ...]:
        return tuple(s for s in self.open if s.late)


def record_incident(principal: Principal | None, given: IncidentInput, engine: Engine) -> Incident:
    """Record a leak and start its clocks (a log leaf with every due time)."""
    return register.record(engine, require(principal, Action.INCIDENT_RECORD), given)


def file_report(
    principal: Principal | None,
    incident_id: int,
    duty: Duty,
    filed_at: datetime,
    reference: str,
    engine: Engine,
) -> Report:
    """Record a report to the PPC (or a notice, or the GDPR notification) as made."""
    me = require(principal, Action.INCIDENT_REPORT)
    return register.file_report(engine, me, incident_id, duty, filed_at, reference)


def due_list(principal: Principal | None, engine: Engine, now: datetime) -> DueList:
    """Every open duty, soonest due first, and the incidents they belong to."""
    require(principal, Action.INCIDENT_READ)
    with reading(engine, "incident due list") as conn:
        found = store.load_incidents(conn)
    return DueList(now, open_duties(found, now), found)


def show_incident(principal: Principal | None, incident_id: int, engine: Engine) -> Incident:
    require(principal, Action.INCIDENT_READ)
    with reading(engine, "incident") as conn:
        return store.load_incident(conn, incident_id)


def report_draft(
    principal: Principal | None, incident_id: int, duty: Duty, engine: Engine
) -> ReportDraft:
    """The PPC form's fields, filled from the register, for the privacy officer to finish."""
    return draft(show_incident(principal, incident_id, engine), duty)
