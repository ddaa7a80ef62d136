"""``records purge`` at the ledger's clock, with its decision and its log leaf.

Finding (issue 11): ``records purge --at 2099`` deleted provision and confirmation records
still inside their legal retention, and wrote no decision and no log leaf."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import actor_of
from fairfollow.errors import RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.records import decision_store
from fairfollow.records.provision import Attestation, Confirmation, Provision
from fairfollow.records.provision_store import (
    ledger_now,
    load_confirmation,
    provisions_for_member,
    record_confirmation,
    record_provision,
)
from fairfollow.records.retention import RECORDS_PURGE, purge_records
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import decode_leaf
from tests.governance_fixtures import staff

OLD = datetime(2019, 7, 15, tzinfo=UTC)  # per-provision retention (3 years) ended in 2022
ATTEST = Attestation("社", "所", "代表", "entry form", "consented")


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_the_ledger_tells_its_own_time(engine: Engine) -> None:
    with engine.connect() as conn:
        clock = ledger_now(conn)
    assert clock.tzinfo is not None
    assert abs(clock - datetime.now(UTC)) < timedelta(minutes=5)


def test_purge_keeps_records_within_retention_and_logs_the_counts(engine: Engine) -> None:
    recent = datetime.now(UTC) - timedelta(days=30)
    with engine.begin() as conn:
        record_provision(conn, Provision(1, "E1", "c", "f", "c", 1, OLD), [7])
        record_provision(conn, Provision(2, "E1", "c", "f", "c", 1, recent), [7])
        old_c = record_confirmation(conn, Confirmation("E1", ATTEST, "a.csv", "0" * 64, OLD))
        new_c = record_confirmation(conn, Confirmation("E1", ATTEST, "b.csv", "1" * 64, recent))
    people = staff(engine, {"ops": None})
    with pytest.raises(RoleError):
        purge_records(engine, people["ops"])  # no role: nothing deleted
    report = purge_records(engine, people["admin"])
    assert (report.provisions, report.confirmations) == (1, 1)
    with engine.connect() as conn:
        assert [p.decision_id for p in provisions_for_member(conn, 7)] == [2]
        assert load_confirmation(conn, old_c) is None and load_confirmation(conn, new_c)
        (decision,) = decision_store.load_decisions(conn, request=RECORDS_PURGE)
        leaf = decode_leaf(log_store.read_leaf(conn, report.leaf_index).content)
    assert json.loads(decision.detail) == {"provisions": 1, "confirmations": 1}
    assert decision.actor == actor_of(people["admin"])  # one actor format
    assert decision.decision_id == report.decision_id
    assert decision.actor.login == "admin" and decision.decision_id == report.decision_id
    assert leaf.record.kind == "records.purged"
    assert leaf.record.body["provisions"] == 1 and leaf.record.body["confirmations"] == 1
    again = purge_records(engine, people["admin"])  # a purge of nothing is still recorded
    assert (again.provisions, again.confirmations) == (0, 0)
    assert again.leaf_index == report.leaf_index + 1


def test_a_backdated_intake_keeps_its_confirmation_record_through_a_purge(engine: Engine) -> None:
    # Issue 27: a list taken with `intake --at` in the past had its APPI Art. 30 record
    # deleted by the next purge, the same day. Fails on aa80ea0 (the purge deleted it).
    from fairfollow.accounts import authority
    from fairfollow.intake.pool_store import load_pool
    from tests.governance_fixtures import AT, ready_ledger

    ready_ledger(engine)  # E0001's list is taken in at AT, in 2019
    with engine.connect() as conn:
        before = ledger_now(conn)
    report = purge_records(engine, authority.principal_for(engine, "admin"))
    assert report.confirmations == 0
    with engine.connect() as conn:
        pool = load_pool(conn, "E0001", 2020)
        assert pool is not None and pool.intake.at == AT  # the intake keeps its instant
        kept = load_confirmation(conn, pool.intake.confirmation_id)
    assert kept is not None and kept.received_at >= before - timedelta(minutes=1)
