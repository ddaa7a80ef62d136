from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fairfollow.errors import LogAppendError
from fairfollow.governance import authority, provision_store, store
from fairfollow.governance import workflow as wf
from fairfollow.governance.examples import yield_forecast
from fairfollow.ledger.engine import open_ledger
from fairfollow.release import budget_store as privacy_budget
from fairfollow.release.door import ReleaseRequest, release_forecast, release_individual
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LogRecord, decode_leaf
from tests.governance_fixtures import (
    AT,
    SOURCE,
    STAFF_LEAVES,
    ready_ledger,
    release_worker,
    take_in,
)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _request(employer: str = "E0001", epsilon: float = 1.0) -> ReleaseRequest:
    return ReleaseRequest(employer, "yield-forecast", 2020, AT, epsilon=epsilon)


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_release_excludes_members_without_consent_and_records_everything(engine: Engine) -> None:
    ready = ready_ledger(engine)
    outcome = release_forecast(engine, _request(), SOURCE)
    assert outcome.released and outcome.reason == "released"
    lacking = tuple(m for m in ready.members if m not in ready.consenting)
    assert outcome.excluded_member_ids == lacking
    assert outcome.exact is not None and outcome.figures is not None
    assert outcome.exact.pool_offers == 30 and outcome.exact.base_rate_offers == len(lacking)
    assert outcome.exact.expected_acceptances == pytest.approx(20 * 0.8 + 10 * 0.5)
    assert outcome.epsilon_spent == pytest.approx(1.0)
    view = outcome.employer_view()
    assert "excluded_member_ids" not in json.dumps(view) and view["released"] is True
    with engine.connect() as conn:
        (decision,) = store.load_decisions(conn, request="release_forecast")
        assert (
            decision.outcome == "allow"
            and json.loads(decision.detail)["excluded_for_consent"] == 10
        )
        assert privacy_budget.budget(conn, "E0001", 2020).spent == pytest.approx(1.0)
        (record,) = provision_store.provisions_to(conn, "E0001")
        assert record.persons == 20 and record.decision_id == decision.decision_id
        assert provision_store.subjects_of(conn, record.provision_id) == list(ready.consenting)
        assert [p.recipient for p in provision_store.provisions_for_member(conn, 1)] == ["E0001"]
        assert provision_store.provisions_for_member(conn, 30) == []
        leaf = log_store.read_leaf(conn, outcome.log_index)
        logged = decode_leaf(leaf.content).record
        assert logged.kind == "release" and logged.body["decision_id"] == decision.decision_id


def test_budget_refuses_the_release_that_would_exceed_it(engine: Engine) -> None:
    ready_ledger(engine)
    with engine.begin() as conn:
        privacy_budget.set_cap(conn, "E0001", 2020, 2.5, actor="po", at=AT)
    outcomes = [release_forecast(engine, _request(), SOURCE) for _ in range(3)]
    assert [o.released for o in outcomes] == [True, True, False]
    assert outcomes[2].reason == "budget_exhausted" and outcomes[2].epsilon_spent == 0
    assert outcomes[2].budget is not None and outcomes[2].budget.spent == pytest.approx(2.0)
    smaller = release_forecast(engine, _request(epsilon=0.5), SOURCE)
    assert smaller.released and smaller.budget is not None and smaller.budget.remaining == 0


def test_refusals_are_recorded_and_logged(engine: Engine) -> None:
    ready_ledger(engine, members=12, consenting=6)
    no_pool = release_forecast(engine, _request("E0002"), SOURCE)
    assert not no_pool.released and no_pool.reason == "no_pool"
    take_in(engine, "E0002", list(range(1, 6)), range(1, 13))
    small = release_forecast(engine, _request("E0002"), SOURCE)
    assert small.reason == "pool_too_small"
    take_in(engine, "E0003", list(range(1, 13)), range(1, 13))
    unnamed = release_forecast(engine, _request("E0003"), SOURCE)
    assert unnamed.reason == "rules_deny" and any("Art. 18" in c for c in unnamed.citations)
    unknown = release_forecast(engine, ReleaseRequest("E0001", "nope", 2020, AT), SOURCE)
    assert unknown.reason == "unknown_service"
    with engine.connect() as conn:
        refusals = store.load_decisions(conn, request="release_forecast")
        assert [d.reason for d in refusals] == [
            "no_pool",
            "pool_too_small",
            "rules_deny",
            "unknown_service",
        ]
        assert privacy_budget.budget(conn, "E0002", 2020).spent == 0
        kinds = [decode_leaf(leaf.content).record.kind for leaf in log_store.iter_leaves(conn)]
        assert [k for k in kinds if not k.startswith("role.")] == ["release-refusal"] * 4


def test_material_change_stops_releases_until_approved_again(engine: Engine) -> None:
    ready_ledger(engine)
    wf.register_service(
        engine,
        yield_forecast(["E0001", "E0002", "E0003"], owner="owner"),
        actor=authority.principal_for(engine, "owner"),
        now=AT,
    )
    outcome = release_forecast(engine, _request(), SOURCE)
    assert not outcome.released and outcome.reason == "not_approved"


def test_individual_release_is_refused_with_citations(engine: Engine) -> None:
    ready_ledger(engine)
    outcome = release_individual(engine, _request())
    assert not outcome.released and outcome.reason == "individual_release_refused"
    assert outcome.decision is not None and not outcome.decision.allowed
    denied = [r.rule_id for r in outcome.decision.with_outcome(outcome.decision.outcome)]
    assert "jp.no_individual_evaluation" in denied and "jp.personally_referable" in denied
    assert any("ESA Art. 5-5, 51" in c for c in outcome.citations)
    nothing = release_individual(engine, ReleaseRequest("E9", "no-such-service", 2020, AT))
    assert nothing.decision is not None
    assert "jp.no_individual_evaluation" in nothing.decision.as_json()["denied_by"]  # type: ignore[operator]


def test_failure_in_the_last_step_records_nothing_and_returns_nothing(engine: Engine) -> None:
    ready_ledger(engine)

    def broken(conn: Connection, record: LogRecord) -> log_store.LeafRef:
        raise LogAppendError("injected failure in the log append")

    with pytest.raises(LogAppendError, match="injected"):
        release_forecast(engine, _request(), SOURCE, appender=broken)
    with engine.connect() as conn:
        assert store.load_decisions(conn, request="release_forecast") == []
        assert privacy_budget.budget(conn, "E0001", 2020).spent == 0
        assert _count(conn, provision_store.provisions) == 0
        assert _count(conn, provision_store.provision_subjects) == 0
        assert log_store.tree_size(conn) == STAFF_LEAVES
    assert release_forecast(engine, _request(), SOURCE).released  # and the door still works


@pytest.mark.slow
def test_twenty_simultaneous_releases_never_overspend(engine: Engine, ledger_url: str) -> None:
    ready_ledger(engine)
    with engine.begin() as conn:
        privacy_budget.set_cap(conn, "E0001", 2020, 4.0, actor="po", at=AT)
    engine.dispose()  # no connection of ours crosses the fork
    context = multiprocessing.get_context("fork")
    start = context.Barrier(20)
    results = context.Queue()
    workers = [
        context.Process(target=release_worker, args=(ledger_url, start, results)) for _ in range(20)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sum(1 for released, _, _ in outcomes if released) == 4
    assert sorted({reason for released, reason, _ in outcomes if not released}) == [
        "budget_exhausted"
    ]
    with engine.connect() as conn:
        spent = privacy_budget.budget(conn, "E0001", 2020)
        assert spent.spent == pytest.approx(4.0) and spent.releases == 4
        assert len(store.load_decisions(conn, request="release_forecast")) == 20
        assert log_store.tree_size(conn) == STAFF_LEAVES + 20


def test_minimum_pool_counts_consenting_members_only(engine: Engine) -> None:
    # Twelve applicants on the list but only six with consent: the forecast would rest on
    # six people's behaviour, so the door refuses (review finding: it counted all twelve).
    ready_ledger(engine, members=12, consenting=6)
    outcome = release_forecast(engine, _request(), SOURCE)
    assert not outcome.released and outcome.reason == "pool_too_small"


def test_public_leaf_carries_no_exact_count_of_persons(engine: Engine) -> None:
    ready_ledger(engine)
    outcome = release_forecast(engine, _request(), SOURCE)
    assert outcome.released and outcome.log_index is not None
    with engine.connect() as conn:
        body = decode_leaf(log_store.read_leaf(conn, outcome.log_index).content).record.body
    assert "persons" not in body and "exact" not in body
    assert "figures" in body
