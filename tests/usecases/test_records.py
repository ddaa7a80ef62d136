"""Provision records: a member's own, or another's on a logged request; the purge; the
decision and provision tables for those who oversee them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts import authority
from fairfollow.accounts.account import Role, actor_of
from fairfollow.errors import RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.records import decision_store
from fairfollow.records.provision import Provision
from fairfollow.records.provision_store import record_provision
from fairfollow.records.retention import RECORDS_PURGE
from fairfollow.scenarios.site_accounts import open_site_accounts
from fairfollow.usecases.records import decision_table, member_provisions, provision_table, purge
from tests.governance_fixtures import staff

NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    with engine.begin() as conn:
        record_provision(conn, Provision(1, "E1", "c", "f", "c", 1, NOW), [7])
    yield engine
    engine.dispose()


def test_a_member_reads_its_own_and_staff_only_on_a_logged_request(engine: Engine) -> None:
    people = staff(
        engine, {"ops": Role.OPERATOR, "ana": Role.ANALYST, "aud": Role.AUDITOR}, now=NOW
    )
    (account,) = [
        a for a in open_site_accounts(engine, NOW, member_id=7, employer="E1") if a.kind == "member"
    ]
    member = authority.principal_for(engine, account.login)
    assert [p.recipient for p in member_provisions(member, 7, "", engine, NOW).provisions] == ["E1"]
    with pytest.raises(RoleError):  # another member's records
        member_provisions(member, 8, "", engine, NOW)
    for refused in (people["ana"], people["aud"]):
        with pytest.raises(RoleError) as caught:
            member_provisions(refused, 7, "REQ-1", engine, NOW)
        assert caught.value.params["action"] == "records.member"
    with pytest.raises(RoleError):  # the operator needs a logged request
        member_provisions(people["ops"], 7, "", engine, NOW)
    found = member_provisions(people["ops"], 7, "REQ-1", engine, NOW)
    assert found.as_json()["member_id"] == 7 and len(found.provisions) == 1


def test_the_purge_is_the_operators_or_administrators_and_names_the_account(
    engine: Engine,
) -> None:
    people = staff(engine, {"ops": Role.OPERATOR, "ana": Role.ANALYST}, now=NOW)
    with pytest.raises(RoleError):
        purge(people["ana"], engine)
    report = purge(people["ops"], engine)
    assert report.provisions == 0  # the record is within its retention period
    with engine.connect() as conn:
        (decision,) = decision_store.load_decisions(conn, request=RECORDS_PURGE)
    assert decision.actor == actor_of(people["ops"])


def test_the_tables_go_to_the_privacy_officer_and_the_auditor(engine: Engine) -> None:
    people = staff(engine, {"po": Role.PRIVACY_OFFICER, "aud": Role.AUDITOR, "ops": Role.OPERATOR})
    for reader in (people["po"], people["aud"]):
        assert decision_table(reader, engine).name == "decisions.csv"
        provisions = provision_table(reader, engine)
        assert provisions.name == "provisions.csv" and len(provisions.rows) == 1
    with pytest.raises(RoleError):
        decision_table(people["ops"], engine)
