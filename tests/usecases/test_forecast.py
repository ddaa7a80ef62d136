"""Requesting a forecast: the employer's own and staff's, one action check each, the actor
recorded in one format, the door's clock the only backdating rule, the model loaded lazily
for both, and one JSON record of a release."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.errors import AuthenticationError, RoleError
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.messages.refusal import worded
from fairfollow.model.scores import ForecastSource
from fairfollow.records import decision_store
from fairfollow.release import history
from fairfollow.release.budget import DEFAULT_LIMITS
from fairfollow.release.view import ReleaseRecord
from fairfollow.services.examples import YIELD_FORECAST_ID
from fairfollow.settings import Settings
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.usecases.forecast import (
    ForecastAsk,
    OwnForecastAsk,
    ReleaseDesk,
    attempt_individual,
    own_releases,
    request_forecast,
    request_own_forecast,
)
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace
from tests.governance_fixtures import AT, SOURCE, ready_ledger, take_in

ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))
OPERATOR = Principal("acc-a92c36e66a25ee99", "ops", frozenset({Role.OPERATOR}))
REVIEWER = Principal("acc-d1e75aca758154ee", "rev", frozenset({Role.REVIEWER}))
EMPLOYER_USER = Principal("acc-9d586dc0a48a2ed0", "hr", frozenset(), employer="E0001")
ASK = ForecastAsk("E0001", "yield-forecast", 2020)


def _no_model(workspace: Workspace, season: int, training: int) -> ForecastSource:
    raise AssertionError("the model was loaded for a request the door refuses first")


def _given(workspace: Workspace, season: int, training: int) -> ForecastSource:
    return SOURCE


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _desk(engine: Engine, tmp_path: Path, scores: object = _given) -> ReleaseDesk:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    return ReleaseDesk(engine, workspace, publisher, DEFAULT_LIMITS, scores)  # type: ignore[arg-type]


def test_staff_release_for_an_employer_records_the_account(engine: Engine, tmp_path: Path) -> None:
    ready_ledger(engine)
    forecast = request_forecast(ANALYST, ASK, _desk(engine, tmp_path), AT)
    assert forecast.released and not forecast.internal
    assert "exact" not in forecast.as_json() and forecast.as_json()["released"] is True
    with engine.connect() as conn:
        (decision,) = decision_store.load_decisions(conn, request="release_forecast")
    assert (
        decision.actor == actor_of(ANALYST) and str(decision.actor) == f"ana ({ANALYST.account_id})"
    )


def test_who_may_ask_is_the_action_table(engine: Engine, tmp_path: Path) -> None:
    desk = _desk(engine, tmp_path, _no_model)
    with pytest.raises(AuthenticationError) as nobody:
        request_forecast(None, ASK, desk, AT)
    assert nobody.value.code == "accounts.sign_in_required"
    for refused in (REVIEWER, EMPLOYER_USER):
        with pytest.raises(RoleError) as caught:
            request_forecast(refused, ASK, desk, AT)
        assert caught.value.params["action"] == "release.forecast"
    internal = ForecastAsk("E0001", "yield-forecast", 2020, internal=True)
    with pytest.raises(RoleError) as caught:  # exact figures: analyst or privacy officer
        request_forecast(OPERATOR, internal, desk, AT)
    assert caught.value.params["action"] == "release.internal"
    for staff in (ANALYST, OPERATOR):  # an employer's own forecast is for its users only
        with pytest.raises(RoleError):
            request_own_forecast(staff, OwnForecastAsk(), desk, AT)


def test_a_backdated_request_is_refused_by_the_door_alone(engine: Engine, tmp_path: Path) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    assert request_forecast(ANALYST, ASK, desk, AT).released
    back = request_forecast(ANALYST, ASK, desk, AT - timedelta(days=400))
    assert not back.released and back.outcome.reason == "instant_before_ledger_clock"
    assert back.record.epsilon_spent == 0 and back.record.at == AT  # recorded at the clock


def test_the_employers_own_request_refused_early_never_loads_the_model(
    engine: Engine, tmp_path: Path
) -> None:
    # no service, no pool: the door refuses (recorded) before it needs any score
    now = datetime(2026, 12, 2, tzinfo=UTC)
    forecast = request_own_forecast(
        EMPLOYER_USER, OwnForecastAsk(), _desk(engine, tmp_path, _no_model), now
    )
    record = forecast.record
    assert not record.released and record.reason == "unknown_service"
    assert record.service == YIELD_FORECAST_ID and record.season == 2027
    assert record.refusal is not None and record.figures is None
    assert record.refusal.code == "release.refused.unknown_service"
    assert "registered" in worded(record).words["en"]
    assert forecast.as_json() == record.as_json()  # the employer never gets the internal view
    (past,) = own_releases(EMPLOYER_USER, engine)  # the same record, read back from the log
    assert past.as_json() | {"epsilon_remaining": None} == record.as_json() | {
        "epsilon_remaining": None,
        "citations": list(past.citations),
    }
    with pytest.raises(RoleError):  # staff read an employer's releases elsewhere
        own_releases(ANALYST, engine)


def test_an_individual_attempt_is_refused_with_citations(engine: Engine, tmp_path: Path) -> None:
    ready_ledger(engine)
    found = attempt_individual(ANALYST, "E0001", "yield-forecast", 2020, engine, AT)
    assert not found.released and found.outcome.reason == "individual_release_refused"
    assert any(c.startswith("APPI") for c in found.record.citations)


def test_on_the_replay_an_employer_user_gets_its_own_forecast(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    engine = open_ledger(workspace.ledger_url)
    desk = ReleaseDesk(engine, workspace, LogPublisher.of_workspace(workspace), DEFAULT_LIMITS)
    user = Principal("acc-3f79bb7b435b0532", "e0314", frozenset(), employer="E0314")
    forecast = request_own_forecast(user, OwnForecastAsk(0.5), desk, datetime.now(UTC))
    record = forecast.record
    assert record.released and record.service == YIELD_FORECAST_ID
    assert record.epsilon_remaining is not None and record.epsilon_spent == 0.5
    # one contract: the CLI's --json and the API's body are this record's serialisation
    assert set(record.as_json()) == {f.name for f in fields(ReleaseRecord)}
    assert set(record.as_json()) >= {"figures", "words", "epsilon_remaining", "citations"}
    engine.dispose()


def test_a_fresh_ledger_refuses_an_unknown_employer_service(tmp_path: Path) -> None:
    engine = create_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    try:
        ask = ForecastAsk("E0002", "no-such-service", 2020)
        found = request_forecast(ANALYST, ask, _desk(engine, tmp_path, _no_model), AT)
        assert not found.released and found.outcome.reason == "unknown_service"
    finally:
        engine.dispose()


def _budget(engine: Engine) -> tuple[float, int]:
    from fairfollow.release.door import budget_of

    held = budget_of(engine, "E0001", 2020)
    return held.spent, held.releases


def test_an_identical_request_gets_the_same_release_at_no_further_epsilon(
    engine: Engine, tmp_path: Path
) -> None:
    ready = ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    first = request_forecast(ANALYST, ASK, desk, AT)
    spent = _budget(engine)
    again = request_forecast(OPERATOR, ASK, desk, AT + timedelta(minutes=5))
    assert again.released and again.repeated and not first.repeated
    assert again.record.release_id == first.record.release_id
    assert again.record.figures == first.record.figures
    assert again.record.epsilon_spent == 0 and again.as_json()["repeated"] is True
    assert _budget(engine) == spent  # nothing spent, no release added
    with engine.connect() as conn:
        assert len(decision_store.load_decisions(conn, request="release_forecast")) == 1
    # another ε is another request
    other = request_forecast(ANALYST, replace(ASK, epsilon=0.5), desk, AT + timedelta(minutes=6))
    assert other.released and not other.repeated
    assert other.record.release_id != first.record.release_id
    # a new list is another pool: a new release
    take_in(engine, "E0001", ready.members, ready.members)
    fresh = request_forecast(ANALYST, ASK, desk, AT + timedelta(minutes=7))
    assert fresh.released and not fresh.repeated
    assert fresh.record.release_id not in {first.record.release_id, other.record.release_id}


def test_a_budget_refusal_says_short_with_what_remains_or_used_up(
    engine: Engine, tmp_path: Path
) -> None:
    ready_ledger(engine)
    desk = _desk(engine, tmp_path)
    for epsilon in (2.0, 1.1):
        assert request_forecast(ANALYST, replace(ASK, epsilon=epsilon), desk, AT).released
    short = request_forecast(ANALYST, replace(ASK, epsilon=1.0), desk, AT).record
    assert short.refusal is not None and short.refusal.code == "release.refused.budget_short"
    assert short.refusal.params["remaining"] == pytest.approx(0.9)
    assert request_forecast(ANALYST, replace(ASK, epsilon=0.9), desk, AT).released
    used = request_forecast(ANALYST, replace(ASK, epsilon=0.5), desk, AT).record
    assert used.refusal is not None and used.refusal.code == "release.refused.budget_used_up"
    # read back from the ledger, each refusal says the same
    with engine.connect() as conn:
        past = {p.release_id: p.refusal for p in history.past_releases(conn, "E0001")}
    assert past[short.release_id] == short.refusal
    assert past[used.release_id] is not None
    assert past[used.release_id].code == "release.refused.budget_used_up"  # type: ignore[union-attr]
