from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import open_ledger
from fairfollow.records.provision import (
    Attestation,
    Confirmation,
    Provision,
    RecordBasis,
    retain_until,
)
from fairfollow.records.provision_store import (
    load_confirmation,
    provisions_for_member,
    purge_expired,
    record_confirmation,
    record_provision,
    subjects_of,
)

AT = datetime(2020, 2, 29, 12, tzinfo=UTC)
ATTEST = Attestation("社", "所", "代表", "entry form", "consented")


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_retention_is_one_or_three_years_as_the_law_sets() -> None:
    assert retain_until(AT, RecordBasis.CONTRACT) == datetime(2021, 2, 28, 12, tzinfo=UTC)
    assert retain_until(AT, RecordBasis.PER_PROVISION) == datetime(2023, 2, 28, 12, tzinfo=UTC)
    assert retain_until(AT, RecordBasis.BULK).year == 2023


def test_provision_records_are_queryable_per_member(engine: Engine) -> None:
    with engine.begin() as conn:
        first = record_provision(
            conn, Provision(1, "E1", "client_employer", "forecast", "consent", 3, AT), [1, 2, 3]
        )
        record_provision(
            conn,
            Provision(
                2, "E2", "client_employer", "forecast", "consent", 1, AT, RecordBasis.CONTRACT
            ),
            [2],
        )
        assert subjects_of(conn, first) == [1, 2, 3]
        assert [p.recipient for p in provisions_for_member(conn, 2)] == ["E1", "E2"]
        assert provisions_for_member(conn, 9) == []
        assert provisions_for_member(conn, 1)[0].as_json()["retain_until"].startswith("2023")
        with pytest.raises(GovernanceError, match=r"records\.persons_mismatch"):
            record_provision(conn, Provision(3, "E1", "c", "f", "c", 2, AT), [1])


def test_purge_deletes_only_records_past_retention(engine: Engine) -> None:
    with engine.begin() as conn:
        record_provision(conn, Provision(1, "E1", "c", "f", "c", 1, AT, RecordBasis.CONTRACT), [1])
        record_provision(conn, Provision(2, "E1", "c", "f", "c", 1, AT), [1])
        cid = record_confirmation(conn, Confirmation("E1", ATTEST, "E1.csv", "0" * 64, AT))
        assert load_confirmation(conn, cid) is not None
        assert purge_expired(conn, datetime(2022, 1, 1, tzinfo=UTC)).provisions == 1
        assert [p.decision_id for p in provisions_for_member(conn, 1)] == [2]
        gone = purge_expired(conn, datetime(2024, 1, 1, tzinfo=UTC))
        assert (gone.provisions, gone.confirmations) == (1, 1)
        assert load_confirmation(conn, cid) is None


def test_confirmation_needs_a_complete_attestation(engine: Engine) -> None:
    with (
        engine.begin() as conn,
        pytest.raises(GovernanceError, match=r"records\.attestation_incomplete.*obtained_how"),
    ):
        record_confirmation(
            conn, Confirmation("E1", Attestation("社", "所", "代表", " ", "c"), "f", "0", AT)
        )
