"""The incident register: record an incident, file its reports, list what is due.

Each incident and each report is a row of the ledger *and* a leaf of the transparency log,
written in one transaction, so timeliness can be checked without trusting the operator: the
leaf carries the due time the law gives, the time the report says it was filed, and the
ledger's own clock when it was logged (``logged_at``); a report claimed on time but logged
after a published checkpoint that lacks it is visibly late. Leaves name no person and hold
no free text (the summary stays in the ledger): counts, categories, triggers and citations.
"""

from __future__ import annotations

from datetime import datetime

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.canonical_json import JsonValue
from fairfollow.errors import InputError
from fairfollow.incidents import store
from fairfollow.incidents.incident import Incident, IncidentInput, Report
from fairfollow.instants import in_jst, utc
from fairfollow.law.incidents import Duty
from fairfollow.ledger.transaction import Engine, transaction
from fairfollow.records.provision_store import ledger_now
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

MAX_REFERENCE = 200


def _incident_body(incident: Incident) -> dict[str, JsonValue]:
    facts, found = incident.facts, incident.assessment
    return {
        "discovered_at": in_jst(facts.discovered_at),
        "recorded_at": in_jst(incident.recorded_at),
        "by": str(incident.recorded_by),
        "persons": facts.persons,
        "eu_persons": facts.eu_persons,
        "categories": sorted(facts.categories),
        "triggers": [t.value for t in found.triggers],
        "exemptions": [e.value for e in found.exemptions],
        "citations": [str(c) for c in found.citations],
        "due": {d.duty.value: in_jst(d.due_at) for d in found.duties if d.due_at is not None},
    }


def record(engine: Engine, actor: Principal, given: IncidentInput) -> Incident:
    """Record an incident at the ledger's clock; its leaf carries every due time."""
    with transaction(engine, "incident record") as conn:
        now = ledger_now(conn)
        if given.facts.discovered_at > now:
            raise InputError("incidents.discovered_in_future", at=given.facts.discovered_at)
        incident_id = store.next_id(conn)
        draft = Incident(incident_id, given, now, actor_of(actor), -1)
        leaf = log_store.append(
            conn, LogRecord(LeafKind.INCIDENT, draft.ref, _incident_body(draft))
        )
        store.insert_incident(conn, incident_id, given, now, draft.recorded_by, leaf.index)
        return store.load_incident(conn, incident_id)


def file_report(
    engine: Engine,
    actor: Principal,
    incident_id: int,
    duty: Duty,
    filed_at: datetime,
    reference: str,
) -> Report:
    """Record that a report or notice was made; the leaf says whether it was on time."""
    if len(reference) > MAX_REFERENCE:
        raise InputError("incidents.text_too_long", limit=MAX_REFERENCE)
    filed_at = utc(filed_at)
    with transaction(engine, "incident report") as conn:
        incident = store.load_incident(conn, incident_id)
        now = ledger_now(conn)
        if filed_at > now or filed_at < incident.facts.discovered_at:
            raise InputError("incidents.filed_at_outside", at=filed_at)
        due = incident.assessment.duty(duty)
        body: dict[str, JsonValue] = {
            "incident": incident.ref,
            "duty": duty.value,
            "required": due.required,
            "due_at": None if due.due_at is None else in_jst(due.due_at),
            "filed_at": in_jst(filed_at),
            "logged_at": in_jst(now),
            "on_time": not due.overdue(now, filed_at),
            "citation": str(due.citation),
            "by": str(actor_of(actor)),
        }
        leaf = log_store.append(
            conn, LogRecord(LeafKind.INCIDENT_REPORT, f"{incident.ref}/{duty.value}", body)
        )
        report = Report(0, incident_id, duty, filed_at, now, actor_of(actor), reference, leaf.index)
        report_id = store.insert_report(conn, report)
        return Report(
            report_id, incident_id, duty, filed_at, now, report.filed_by, reference, leaf.index
        )
