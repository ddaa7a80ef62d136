"""The employer's desk: the season, the approved service naming the employer, a forecast
through the door that never loads the model for a refusal, and the standing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.release.budget import DEFAULT_LIMITS
from fairfollow.release.desk import forecast_service, request_forecast, season_of, standing
from fairfollow.services.examples import YIELD_FORECAST_ID
from fairfollow.settings import Settings
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def test_a_workspace_without_a_season_works_in_next_springs_class(tmp_path: Path) -> None:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    assert season_of(workspace, datetime(2019, 6, 1, tzinfo=UTC)) == 2020
    assert season_of(workspace, datetime(2019, 12, 31, 16, tzinfo=UTC)) == 2021  # JST new year
    engine = create_ledger(workspace.ledger_url)
    with reading(engine, "service") as conn:
        assert forecast_service(conn, "E0001") == (YIELD_FORECAST_ID, False)
    # no service, no pool, no model: refused by the door (recorded), the model never loaded
    outcome = request_forecast(
        engine, workspace, "E0001", NOW, epsilon=1.0,
        publisher=LogPublisher.of_workspace(workspace), limits=DEFAULT_LIMITS,
    )  # fmt: skip
    assert not outcome.released and outcome.reason == "unknown_service"
    engine.dispose()


def test_on_the_replay_the_approved_service_and_the_standing_are_the_employers(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    engine = open_ledger(workspace.ledger_url)
    with reading(engine, "standing") as conn:
        found = standing(conn, workspace, "E0314", NOW)
        stranger = standing(conn, workspace, "E9999", NOW)
    assert season_of(workspace, NOW) == 2020 == found.season
    assert (found.service_id, found.service_approved) == (YIELD_FORECAST_ID, True)
    assert found.latest_list is not None and found.latest_list.rows_read > 0
    assert found.budget.releases == 1 and found.budget.spent == 1.0
    assert not stranger.service_approved and stranger.latest_list is None
    assert stranger.budget.spent == 0.0
    outcome = request_forecast(
        engine, workspace, "E0314", datetime.now(UTC), epsilon=0.5,
        publisher=LogPublisher.of_workspace(workspace), limits=DEFAULT_LIMITS,
    )  # fmt: skip
    assert outcome.released and outcome.service_id == YIELD_FORECAST_ID
    assert outcome.budget is not None and outcome.budget.spent == 1.5
    engine.dispose()
