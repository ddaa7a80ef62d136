"""The incident register through its use cases: who may record, file and read; the clock
in the due list; each incident and report a log leaf that says whether it was on time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import InputError, RoleError
from fairfollow.incidents.draft import DraftField
from fairfollow.incidents.incident import IncidentInput
from fairfollow.instants import JST
from fairfollow.law.incidents import Duty, IncidentFacts, Trigger
from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import store as log_store
from fairfollow.usecases import incidents as cases
from tests.governance_fixtures import staff

NOW = datetime.now(UTC)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


@pytest.fixture
def people(engine: Engine) -> dict[str, Principal]:
    roles = {"po": Role.PRIVACY_OFFICER, "ops": Role.OPERATOR, "aud": Role.AUDITOR}
    return staff(engine, {**roles, "ana": Role.ANALYST}, now=NOW)


def _leak(days_ago: float, **flags: bool) -> IncidentInput:
    facts = IncidentFacts(
        discovered_at=NOW - timedelta(days=days_ago),
        persons=1_200,
        categories=("name", "email"),
        **flags,
    )
    return IncidentInput(facts, "A misconfigured export bucket was readable.", "ACL left open")


def test_recording_starts_the_clock_and_logs_a_leaf(
    engine: Engine, people: dict[str, Principal]
) -> None:
    with pytest.raises(RoleError):
        cases.record_incident(people["ana"], _leak(1), engine)
    incident = cases.record_incident(people["ops"], _leak(1, unlawful_purpose=True), engine)
    assert incident.assessment.triggers == (Trigger.UNLAWFUL_PURPOSE, Trigger.OVER_THOUSAND)
    with engine.connect() as conn:
        leaf = log_store.read_leaf(conn, incident.leaf_index).content
    body = json.loads(leaf)["body"]
    assert json.loads(leaf)["kind"] == "incident" and "summary" not in body
    assert body["triggers"] == ["unlawful_purpose", "over_thousand"]
    assert set(body["due"]) == {"ppc_preliminary", "ppc_final", "persons"}
    assert "PPC Rules Art. 7(iii)" in body["citations"]


def test_the_due_list_puts_the_late_first_and_a_filed_report_leaves_it(
    engine: Engine, people: dict[str, Principal]
) -> None:
    old = cases.record_incident(people["po"], _leak(4), engine)  # preliminary overdue
    cases.record_incident(people["po"], _leak(0.5), engine)
    cases.record_incident(people["po"], _leak(1, encrypted=True), engine)  # exempt
    due = cases.due_list(people["aud"], engine, NOW)
    assert [(s.incident_id, s.duty) for s in due.late] == [
        (old.incident_id, Duty.PPC_PRELIMINARY),
        (old.incident_id, Duty.PERSONS),
    ]
    assert len(due.open) == 6  # two reportable incidents × three duties; none for the exempt
    with pytest.raises(RoleError):
        cases.file_report(people["ops"], old.incident_id, Duty.PPC_PRELIMINARY, NOW, "", engine)
    filed_at = NOW - timedelta(days=2)  # filed in time, recorded late: the leaf tells both
    report = cases.file_report(
        people["po"], old.incident_id, Duty.PPC_PRELIMINARY, filed_at, "PPC-123", engine
    )
    with engine.connect() as conn:
        body = json.loads(log_store.read_leaf(conn, report.leaf_index).content)["body"]
    assert body["on_time"] is True and body["filed_at"] != body["logged_at"]
    after = cases.due_list(people["po"], engine, NOW)
    assert (old.incident_id, Duty.PPC_PRELIMINARY) not in {
        (s.incident_id, s.duty) for s in after.open
    }
    late = cases.file_report(people["po"], old.incident_id, Duty.PERSONS, NOW, "", engine)
    with engine.connect() as conn:
        assert (
            json.loads(log_store.read_leaf(conn, late.leaf_index).content)["body"]["on_time"]
            is False
        )


def test_filing_times_outside_the_incident_are_refused(
    engine: Engine, people: dict[str, Principal]
) -> None:
    incident = cases.record_incident(people["po"], _leak(1), engine)
    for when in (NOW - timedelta(days=3), NOW + timedelta(days=1)):
        with pytest.raises(InputError) as caught:
            cases.file_report(people["po"], incident.incident_id, Duty.PPC_FINAL, when, "", engine)
        assert caught.value.code == "incidents.filed_at_outside"
    with pytest.raises(InputError) as unknown:
        cases.show_incident(people["po"], 99, engine)
    assert unknown.value.code == "incidents.unknown"


def test_the_draft_fills_the_ppc_form_from_the_register(
    engine: Engine, people: dict[str, Principal]
) -> None:
    incident = cases.record_incident(people["po"], _leak(1, special_care=True), engine)
    found = cases.report_draft(people["aud"], incident.incident_id, Duty.PPC_FINAL, engine)
    values = {line.field: line.value for line in found.lines}
    assert list(values) == list(DraftField)
    assert values[DraftField.PERSONS] == 1_200 and values[DraftField.ITEMS] == ["name", "email"]
    assert values[DraftField.OTHER] == [Trigger.SPECIAL_CARE, Trigger.OVER_THOUSAND]
    assert values[DraftField.PREVENTION] is None  # for the privacy officer to write
    assert found.due_at is not None
    day_one = incident.facts.discovered_at.astimezone(JST).date()
    assert found.due_at.astimezone(JST).date() == day_one + timedelta(days=29)
