from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import open_ledger
from fairfollow.release.budget import DEFAULT_SEASON_CAP
from fairfollow.release.budget_store import budget, budgets_of, lock_budget, set_cap, spend

AT = datetime(2019, 7, 15, tzinfo=UTC)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_odometer_sums_spends_against_the_latest_cap(engine: Engine) -> None:
    with engine.begin() as conn:
        assert budget(conn, "E1", 2020).cap == DEFAULT_SEASON_CAP
        lock_budget(conn, "E1", 2020, AT)
        lock_budget(conn, "E1", 2020, AT)  # idempotent
        set_cap(conn, "E1", 2020, 1.0, actor="po", at=AT)
        for _ in range(10):
            spend(conn, "E1", 2020, 0.1, decision_id=1, actor="door", at=AT)
        state = budget(conn, "E1", 2020)
        assert state.spent == pytest.approx(1.0) and state.releases == 10
        assert not state.allows(0.01) and state.remaining == pytest.approx(0.0, abs=1e-9)
        with pytest.raises(GovernanceError, match="overspent"):
            spend(conn, "E1", 2020, 0.1, decision_id=2, actor="door", at=AT)
        with pytest.raises(GovernanceError, match="cannot go below"):
            set_cap(conn, "E1", 2020, 0.5, actor="po", at=AT)
        assert set_cap(conn, "E1", 2020, 2.0, actor="po", at=AT).allows(1.0)
        assert budget(conn, "E1", 2019).spent == 0  # seasons are separate


def test_budgets_are_listed_per_employer(engine: Engine) -> None:
    with engine.begin() as conn:
        set_cap(conn, "E1", 2020, 3.0, actor="po", at=AT)
        lock_budget(conn, "E2", 2020, AT)
        assert [(b.employer, b.season) for b in budgets_of(conn)] == [("E1", 2020), ("E2", 2020)]
        assert [b.cap for b in budgets_of(conn, "E1")] == [3.0]
        assert budgets_of(conn, "E1")[0].as_json()["epsilon_remaining"] == 3.0
    with pytest.raises(GovernanceError), engine.begin() as conn:
        set_cap(conn, "E1", 2020, -1, actor="po", at=AT)
