"""The record of processing lists every purpose, service, recipient class and retention the
ledger knows; staff and the auditor read it, a member does not."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from fairfollow.consent.policy_store import load_purposes
from fairfollow.csv_export import csv_text
from fairfollow.errors import AuthenticationError
from fairfollow.law.pseudonymised import ZONE_PURPOSE
from fairfollow.ledger.engine import open_ledger
from fairfollow.records.processing import HEADER
from fairfollow.records.provision import RETENTION_YEARS
from fairfollow.services import examples
from fairfollow.services import store as service_store
from fairfollow.services import workflow as wf
from fairfollow.usecases.processing import processing_record
from tests.governance_fixtures import T0, approve_forecast, seed_consent

NOW = datetime(2026, 12, 8, tzinfo=UTC)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_the_record_lists_everything_the_ledger_knows(engine: Engine) -> None:
    seed_consent(engine, range(1, 11), range(1, 6))
    people = approve_forecast(engine, ["E0001"])
    old = examples.dmp_follow_2019()
    wf.register_service(
        engine, old.model_copy(update={"owner": "owner"}), actor=people["owner"], now=T0
    )
    record = processing_record(people["po"], engine, NOW)
    with engine.connect() as conn:
        purposes = load_purposes(conn)
        service_ids = service_store.list_services(conn)
        specs = [service_store.load_spec(conn, s) for s in service_ids]
    assert len(service_ids) == 2
    # the ledger's purposes, and the pseudonymised zone's published one (APPI Art. 41(4))
    assert {p.key for p in record.purposes} == set(purposes) | {ZONE_PURPOSE.key}
    assert {s.service_id for s in record.services} == set(service_ids)
    classes = {p.recipient_class for p in purposes.values()}
    classes |= {s.recipients.recipient_class for s in specs}
    assert set(record.recipient_classes) == classes
    retention = {(r.subject, r.days) for r in record.retention}
    for spec in specs:
        assert (f"service:{spec.service_id}", spec.retention_days) in retention
    for basis, years in RETENTION_YEARS.items():
        assert (f"provision_record:{basis.value}", years * 365) in retention
    # the CSV holds the same facts, one per row
    rows = list(csv.reader(io.StringIO(csv_text(HEADER, record.rows()))))
    keys = {(r[0], r[1]) for r in rows[1:]}
    assert {("purpose", k) for k in purposes} <= keys
    assert {("service", s) for s in service_ids} <= keys
    assert {("recipient_class", c) for c in classes} <= keys
    payload = record.as_json()
    assert payload["citation"] == "GDPR Art. 30(1); APPI Art. 32(1)"
    assert payload["transfers"] and payload["safety_measures"]
    with pytest.raises(AuthenticationError):
        processing_record(None, engine, NOW)
