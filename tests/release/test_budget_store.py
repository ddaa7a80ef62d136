from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import open_ledger
from fairfollow.release.budget import DEFAULT_SEASON_CAP
from fairfollow.release.budget_store import budget, budgets_of, lock_budget, set_cap, spend
from tests.actors import as_actor

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
        set_cap(conn, "E1", 2020, 1.0, actor=as_actor("po"), at=AT)
        for _ in range(10):
            spend(conn, "E1", 2020, 0.1, decision_id=1, actor=as_actor("door"), at=AT)
        state = budget(conn, "E1", 2020)
        assert state.spent == pytest.approx(1.0) and state.releases == 10
        assert not state.allows(0.01) and state.remaining == pytest.approx(0.0, abs=1e-9)
        with pytest.raises(GovernanceError, match=r"release\.budget_overspent"):
            spend(conn, "E1", 2020, 0.1, decision_id=2, actor=as_actor("door"), at=AT)
        with pytest.raises(GovernanceError, match=r"release\.cap_below_spent"):
            set_cap(conn, "E1", 2020, 0.5, actor=as_actor("po"), at=AT)
        assert set_cap(conn, "E1", 2020, 2.0, actor=as_actor("po"), at=AT).allows(1.0)
        assert budget(conn, "E1", 2019).spent == 0  # seasons are separate


def test_budgets_are_listed_per_employer(engine: Engine) -> None:
    with engine.begin() as conn:
        set_cap(conn, "E1", 2020, 3.0, actor=as_actor("po"), at=AT)
        lock_budget(conn, "E2", 2020, AT)
        assert [(b.employer, b.season) for b in budgets_of(conn)] == [("E1", 2020), ("E2", 2020)]
        assert [b.cap for b in budgets_of(conn, "E1")] == [3.0]
        assert budgets_of(conn, "E1")[0].as_json()["epsilon_remaining"] == 3.0
    with pytest.raises(GovernanceError), engine.begin() as conn:
        set_cap(conn, "E1", 2020, -1, actor=as_actor("po"), at=AT)


def test_member_odometer_adds_up_per_member_and_season(engine: Engine) -> None:
    from fairfollow.release.budget_store import charge_members, lock_members, member_spent

    with engine.begin() as conn:
        assert lock_members(conn, 2020, [3, 1, 2, 1], AT) == {1: 0.0, 2: 0.0, 3: 0.0}
        charge_members(conn, 2020, [1, 2], 0.5, AT)
        charge_members(conn, 2020, [2], 1.0, AT)
        assert lock_members(conn, 2020, [1, 2, 3], AT) == {1: 0.5, 2: 1.5, 3: 0.0}
        assert member_spent(conn, 2019, [1, 2]) == {}
        assert dict(member_spent(conn, 2020, [2, 9])) == {2: 1.5}


EMPLOYERS = tuple(f"E{i:04d}" for i in range(1, 21))
SHARED = tuple(range(1, 31))  # in every employer's pool


def _own(i: int) -> tuple[int, ...]:
    return tuple(range(100 + 5 * i, 105 + 5 * i))  # five applicants of this employer only


def _odometer_worker(url: str, employer: str, start: object, results: object) -> None:
    from fairfollow.ledger.engine import make_engine
    from fairfollow.release.budget import PrivacyLimits
    from fairfollow.release.door import ReleaseRequest, release_forecast
    from tests.governance_fixtures import AT as RELEASE_AT
    from tests.governance_fixtures import SOURCE

    engine = make_engine(url)
    start.wait()  # type: ignore[attr-defined]
    outcome = release_forecast(
        engine,
        ReleaseRequest(employer, "yield-forecast", 2020, RELEASE_AT, epsilon=1.0),
        SOURCE,
        limits=PrivacyLimits(member_cap=10.0),
    )
    results.put((employer, outcome.released, outcome.contributing))  # type: ignore[attr-defined]
    engine.dispose()


@pytest.mark.slow
def test_member_odometer_holds_under_twenty_concurrent_releases(
    engine: Engine, ledger_url: str
) -> None:
    """20 processes release at once for 20 employers whose pools share 30 members; the
    member cap is 10 releases. Every shared member is used exactly 10 times, in the same
    transactions that wrote the releases; each employer's own applicants once."""
    import multiprocessing

    from fairfollow.records import provision_store
    from fairfollow.release.budget_store import member_odometer
    from tests.governance_fixtures import approve_forecast, seed_consent, take_in

    everyone = SHARED + tuple(m for i in range(20) for m in _own(i))
    seed_consent(engine, everyone, everyone)
    approve_forecast(engine, list(EMPLOYERS))
    for i, employer in enumerate(EMPLOYERS):
        take_in(engine, employer, SHARED + _own(i), everyone)
    engine.dispose()  # no connection of ours crosses the fork
    context = multiprocessing.get_context("fork")
    start = context.Barrier(20)
    results = context.Queue()
    workers = [
        context.Process(target=_odometer_worker, args=(ledger_url, e, start, results))
        for e in EMPLOYERS
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert all(released for _, released, _ in outcomes)
    # ten releases used the shared members and their own five; ten only their own five
    assert sorted(n for _, _, n in outcomes) == [5] * 10 + [35] * 10
    with engine.connect() as conn:
        o = member_odometer.c
        rows = {
            int(m): (s, n) for m, s, n in conn.execute(sa.select(o.member_id, o.spent, o.releases))
        }
        assert all(rows[m] == (pytest.approx(10.0), 10) for m in SHARED)
        assert all(rows[m] == (pytest.approx(1.0), 1) for i in range(20) for m in _own(i))
        # the odometer agrees with the provision records written in the same transactions
        ps = provision_store.provision_subjects.c
        used = conn.execute(sa.select(ps.member_id, sa.func.count()).group_by(ps.member_id)).all()
        assert {int(m): int(n) for m, n in used} == {m: rows[m][1] for m in rows}
        assert all(budget(conn, e, 2020).spent == pytest.approx(1.0) for e in EMPLOYERS)
