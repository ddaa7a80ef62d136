"""Plans: a forecast release through the door with the planner added, one ε, the plan in the
log leaf; a re-plan from a past release spends nothing; a width instead of an ε."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import InputError, RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.model.scores import ForecastSource
from fairfollow.release import budget_store, history
from fairfollow.release.arrivals import ArrivalShape
from fairfollow.release.budget import DEFAULT_LIMITS
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.record import decode_leaf
from fairfollow.usecases.forecast import ReleaseDesk
from fairfollow.usecases.planning import (
    PlanAsk,
    StaffPlanAsk,
    own_odometer,
    publish_report_card,
    publish_statement,
    replan_own,
    request_own_arrivals,
    request_own_plan,
    request_plan,
)
from fairfollow.workspace import Workspace
from tests.governance_fixtures import AT, SOURCE, ready_ledger

ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))
EMPLOYER_USER = Principal("acc-9d586dc0a48a2ed0", "hr", frozenset(), employer="E0001")
OTHER_EMPLOYER = Principal("acc-0d586dc0a48a2ed1", "hr2", frozenset(), employer="E0002")


def _given(workspace: Workspace, season: int, training: int) -> ForecastSource:
    return SOURCE


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _desk(engine: Engine, tmp_path: Path) -> ReleaseDesk:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    return ReleaseDesk(engine, workspace, publisher, DEFAULT_LIMITS, _given)


def test_a_plan_is_one_release_with_the_plan_in_its_leaf(engine: Engine, tmp_path: Path) -> None:
    ready_ledger(engine)
    plan = request_own_plan(EMPLOYER_USER, PlanAsk(target=20), _desk(engine, tmp_path), AT)
    assert plan.released and plan.plan is not None and plan.forecast is not None
    figures = plan.forecast.outcome.figures
    assert figures is not None and plan.plan.pool_offers == 30
    assert plan.plan.reached_by_pool == figures.interval_80[0]
    with engine.connect() as conn:
        assert budget_store.budget(conn, "E0001", 2020).spent == pytest.approx(1.0)
        leaf = log_store.read_leaf(conn, plan.forecast.outcome.log_index)
        opened = history.opening_of(conn, plan.forecast.outcome.decision_id or 0, None)
    body = decode_leaf(leaf.content).record.body
    # The public leaf commits to the figures (issue 27); the opening holds the plan.
    assert "figures" not in body and opened.opening.opens(body["figures_commitment"])
    figures = dict(opened.opening.figures)
    assert figures["product"] == "plan"
    assert figures["plan"] == plan.plan.as_json()
    assert "contributing" not in str(figures)


def test_a_replan_from_a_past_release_spends_nothing(engine: Engine, tmp_path: Path) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    first = request_own_plan(EMPLOYER_USER, PlanAsk(target=20), desk, AT)
    assert first.forecast is not None
    decision_id = first.forecast.outcome.decision_id
    again = replan_own(EMPLOYER_USER, decision_id, 20, desk)
    assert again == first.plan
    bigger = replan_own(EMPLOYER_USER, decision_id, 60, desk, hypothetical=120)
    assert bigger.offers_needed is None or bigger.offers_needed > 30
    with engine.connect() as conn:
        assert budget_store.budget(conn, "E0001", 2020).releases == 1
    with pytest.raises(InputError) as caught:  # another employer's release is unknown to it
        replan_own(OTHER_EMPLOYER, decision_id, 20, desk)
    assert caught.value.code == "planning.release_unknown"


def test_a_width_chooses_the_epsilon_or_is_refused_with_the_narrowest(
    engine: Engine, tmp_path: Path
) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    ask = StaffPlanAsk("E0001", "yield-forecast", 2020, PlanAsk(target=10, width=25))
    plan = request_plan(ANALYST, ask, desk, AT)
    assert plan.released and plan.choice is not None and plan.choice.epsilon is not None
    assert plan.forecast is not None
    assert plan.forecast.outcome.epsilon_spent == pytest.approx(plan.choice.epsilon)
    impossible = StaffPlanAsk("E0001", "yield-forecast", 2020, PlanAsk(target=10, width=0))
    refused = request_plan(ANALYST, impossible, desk, AT)
    assert not refused.released and refused.reason == "width_unreachable"
    assert refused.choice is not None and refused.choice.width > 0
    with engine.connect() as conn:  # the refused width released nothing and spent nothing
        assert budget_store.budget(conn, "E0001", 2020).releases == 1


def test_who_may_plan_is_the_action_table(engine: Engine, tmp_path: Path) -> None:
    desk = _desk(engine, tmp_path)
    with pytest.raises(RoleError):
        request_own_plan(ANALYST, PlanAsk(target=5), desk, AT)
    with pytest.raises(RoleError):
        request_plan(EMPLOYER_USER, StaffPlanAsk("E0001", "x", 2020, PlanAsk(5)), desk, AT)


SHAPE = ArrivalShape(((0.4, 0.3, 0.2, 0.1),) * 3)


def test_an_arrival_curve_is_one_release_whose_epsilon_is_split(
    engine: Engine, tmp_path: Path
) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    arrivals = request_own_arrivals(EMPLOYER_USER, 1.0, desk, AT, lambda w, s: SHAPE)
    assert arrivals.released and arrivals.curve is not None
    curve = arrivals.curve
    assert len(curve.expected) == 4 and curve.pool_offers == 30
    assert list(curve.expected) == sorted(curve.expected) and curve.expected[-1] <= 30
    outcome = arrivals.forecast.outcome
    assert outcome.figures is not None
    # the forecast at four fifths, the weeks at the rest; the release's ε is their sum
    assert curve.epsilon == pytest.approx(0.2) and outcome.figures.epsilon == pytest.approx(1.0)
    assert outcome.figures.noise_scale == pytest.approx(1.25)
    with engine.connect() as conn:
        assert budget_store.budget(conn, "E0001", 2020).spent == pytest.approx(1.0)
        odometer = budget_store.member_spent(conn, 2020, [1])
    assert odometer[1] == pytest.approx(1.0)


def test_no_season_to_measure_the_shape_from_is_an_input_error(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as caught:
        request_own_arrivals(EMPLOYER_USER, 1.0, _desk(engine, tmp_path), AT)
    assert caught.value.code == "planning.shape_unavailable"


def test_a_members_odometer_equals_the_ledgers_and_the_logs_recount(
    engine: Engine, tmp_path: Path
) -> None:
    ready = ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    first = request_own_plan(EMPLOYER_USER, PlanAsk(target=5, epsilon=0.5), desk, AT)
    second = request_own_arrivals(EMPLOYER_USER, 1.0, desk, AT, lambda w, s: SHAPE)
    assert first.released and second.released and first.forecast is not None
    used, unused = ready.consenting[0], ready.members[-1]
    member = Principal("acc-1111111111111111", "m1", frozenset(), member_id=used)
    (season,) = own_odometer(member, engine, DEFAULT_LIMITS)
    assert season.season == 2020 and season.agrees
    assert season.ledger.epsilon == pytest.approx(1.5) and season.ledger.releases == 2
    assert [d.decision_id for d in season.debits] == [
        first.forecast.outcome.decision_id,
        second.forecast.outcome.decision_id,
    ]
    assert season.cap == DEFAULT_LIMITS.member_cap
    assert season.remaining == pytest.approx(DEFAULT_LIMITS.member_cap - 1.5)
    with engine.connect() as conn:
        assert budget_store.member_spent(conn, 2020, [used])[used] == pytest.approx(1.5)
    outsider = Principal("acc-2222222222222222", "m2", frozenset(), member_id=unused)
    assert all(
        s.ledger.epsilon == 0 and not s.debits
        for s in own_odometer(outsider, engine, DEFAULT_LIMITS)
    )
    with pytest.raises(RoleError):
        own_odometer(EMPLOYER_USER, engine, DEFAULT_LIMITS)


PO = Principal("acc-3333333333333333", "po", frozenset({Role.PRIVACY_OFFICER}))


def test_the_season_statement_and_report_card_are_log_leaves(
    engine: Engine, tmp_path: Path
) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    statement = publish_statement(PO, engine, 2020, DEFAULT_LIMITS, AT)
    products = statement.body["products"]
    assert isinstance(products, dict) and set(products) == {
        "forecast", "plan", "arrivals", "benchmarks"
    }  # fmt: skip
    assert products["arrivals"]["sensitivity"] == 1.0
    plan = request_own_plan(EMPLOYER_USER, PlanAsk(target=5, epsilon=0.5), desk, AT)
    request_own_arrivals(EMPLOYER_USER, 0.5, desk, AT, lambda w, s: SHAPE)
    refused = request_own_plan(EMPLOYER_USER, PlanAsk(target=5, epsilon=9.0), desk, AT)
    assert plan.released and not refused.released
    card = publish_report_card(PO, engine, 2020, {"E0001": 24}, AT)
    kinds = {k["kind"]: k for k in card.body["kinds"]}  # type: ignore[union-attr]
    assert kinds["plan"]["released"] == 1 and kinds["arrivals"]["released"] == 1
    assert kinds["plan"]["refused"] == {"epsilon_out_of_range": 1}
    assert kinds["plan"]["coverage_checked"] == 1
    with engine.connect() as conn:
        body = decode_leaf(log_store.read_leaf(conn, card.log_index).content).record.body
    assert body["kinds"] == card.body["kinds"]
    with pytest.raises(RoleError):
        publish_statement(ANALYST, engine, 2020, DEFAULT_LIMITS, AT)
