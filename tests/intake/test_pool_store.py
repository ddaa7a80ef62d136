from __future__ import annotations

from datetime import UTC, date, datetime

from fairfollow.intake.pool_store import (
    IntakeRecord,
    PoolOffer,
    QuarantinedLine,
    intakes_of,
    load_pool,
    quarantine_of,
    record_intake,
)
from fairfollow.ledger.engine import open_ledger
from tests.actors import as_actor

AT = datetime(2019, 7, 15, tzinfo=UTC)


def _record(employer: str, intake_no: int) -> IntakeRecord:
    return IntakeRecord(
        employer,
        2020,
        f"{employer}.csv",
        "0" * 64,
        "utf-8",
        "identity",
        intake_no,
        3,
        2,
        1,
        "{}",
        as_actor("t"),
        AT,
    )


def test_the_pool_is_the_latest_intake(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    offer = PoolOffer(2, "a" * 64, 7, date(2019, 6, 1), "matched", "email_hmac")
    with engine.begin() as conn:
        assert load_pool(conn, "E0001", 2020) is None
        first = record_intake(conn, _record("E0001", 1), [offer], [])
        second = record_intake(
            conn,
            _record("E0001", 2),
            [offer, PoolOffer(3, "b" * 64, None, date(2019, 6, 2), "unmatched", "no_member")],
            [QuarantinedLine(4, "email", "missing_field:email", ("A1", ""))],
        )
    with engine.connect() as conn:
        pool = load_pool(conn, "E0001", 2020)
        assert pool is not None and pool.intake.intake_id == second != first
        assert len(pool.offers) == 2 and [o.member_id for o in pool.member_offers] == [7]
        assert quarantine_of(conn, second)[0].cells == ("A1", "")
        assert [i.intake_id for i in intakes_of(conn, "E0001")] == [first, second]
    engine.dispose()
