"""Both odometers held to the log: each employer's and each member's ε per season,
recomputed from the release leaves (through their member commitments).

Finding (issue 11): budget rows deleted in the database went unnoticed; `log audit` is to
recompute each member's ε spent too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.ledger.engine import open_ledger
from fairfollow.release import budget_store
from fairfollow.release.door import ReleaseRequest, release_forecast
from fairfollow.release.reconciliation import reconcile_budgets
from fairfollow.release.spending import MemberFinding, Spent
from fairfollow.tlog import member_store
from tests.governance_fixtures import AT, SOURCE, ready_ledger


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _member_audit(engine: Engine) -> tuple[list[MemberFinding], list[str]]:
    with engine.connect() as conn:
        found = reconcile_budgets(conn)
    return list(found.members), list(found.unrecounted)


def test_each_members_epsilon_is_recounted_and_a_tampered_odometer_row_is_found(
    engine: Engine,
) -> None:
    """Issue 11: `log audit` recomputes each member's ε from the release leaves."""
    ready_ledger(engine)
    for _ in range(2):
        assert release_forecast(
            engine, ReleaseRequest("E0001", "yield-forecast", 2020, AT, 0.5), SOURCE
        ).released
    odometer = budget_store.member_odometer
    with engine.connect() as conn:
        used = {
            int(m): (float(v), int(n))
            for m, v, n in conn.execute(
                sa.select(odometer.c.member_id, odometer.c.spent, odometer.c.releases).where(
                    odometer.c.releases > 0
                )
            )
        }
    assert len(used) >= 10 and set(used.values()) == {(1.0, 2)}
    assert _member_audit(engine) == ([], [])
    victim = min(used)
    with engine.begin() as conn:  # the operator gives one member's data its budget back
        conn.execute(
            odometer.update()
            .where(odometer.c.member_id == victim, odometer.c.season == 2020)
            .values(spent=0.5, releases=1)
        )
    findings, unrecounted = _member_audit(engine)
    assert unrecounted == []
    assert [(f.member_id, f.season) for f in findings] == [(victim, 2020)]
    assert findings[0].logged == Spent(1.0, 2) and findings[0].ledger == Spent(0.5, 1)
    assert "ε 1 in 2 releases" in findings[0].detail
    with engine.begin() as conn:  # deleting the row is caught the same way
        conn.execute(odometer.delete().where(odometer.c.member_id == victim))
    findings, _ = _member_audit(engine)
    assert [(f.member_id, f.ledger) for f in findings] == [(victim, Spent(0.0, 0))]


def test_a_commitment_the_ledger_altered_cannot_vouch_for_the_members(engine: Engine) -> None:
    ready_ledger(engine)
    assert release_forecast(
        engine, ReleaseRequest("E0001", "yield-forecast", 2020, AT, 0.5), SOURCE
    ).released
    with engine.begin() as conn:  # drop a committed token: a member would go uncounted
        row = conn.execute(sa.select(member_store.commitments)).one()
        conn.execute(member_store.commitments.update().values(tokens=bytes(row.tokens)[32:]))
    findings, unrecounted = _member_audit(engine)
    assert len(unrecounted) == 1 and "does not match the leaf" in unrecounted[0]
    assert findings  # with the release unrecounted, every used member's row disagrees
