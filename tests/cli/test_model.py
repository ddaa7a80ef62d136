"""The CLI commands: parse, one core call, render; ``--json`` output is plain JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.model import ModelDemoTables
from fairfollow.model.evaluation import JSON_KEYS
from fairfollow.usecases.season import run_model_demo
from tests.season_data import SmallSeason, small_season

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> SmallSeason:
    return small_season(tmp_path_factory.mktemp("cli"), students=800, seed=8)


def _run(workspace: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["--workspace", str(workspace), *args])
    assert result.exit_code == 0, result.output
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


def test_features_train_evaluate_backtest(season: SmallSeason) -> None:
    ws = season.workspace.root
    employers = str(season.employers)
    built = _run(ws, "features", "build", "--employers", employers, "--season", "2019", "--json")
    assert built["as_of"] == "2018-07-14T15:00:00+00:00"
    _run(ws, "features", "build", "--employers", employers, "--as-of", "2019-07-15T00:00+0900",
         "--json")  # fmt: skip
    trained = _run(ws, "model", "train", "--seed", "3", "--json")
    assert str(trained["model_id"]).endswith("-seed3")
    evaluated = _run(ws, "model", "evaluate", "--truth", str(season.truth), "--json")
    assert set(evaluated) == set(JSON_KEYS)  # print_json sorts keys
    backtest = _run(ws, "forecast", "backtest", "--truth", str(season.truth), "--seeds", "1",
                    "--json")  # fmt: skip
    assert {"coverage", "employer_pools", "overdispersion"} <= set(backtest)


def test_tables_render_without_json(season: SmallSeason) -> None:
    ws = str(season.workspace.root)
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", ws, "features", "build", "--employers",
                                 str(season.employers), "--season", "2019"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "partner data partner_a: used" in result.output
    result = runner.invoke(app, ["--workspace", ws, "model", "evaluate", "--truth", "/nonexistent"])
    assert result.exit_code != 0


def test_the_demo_runs_every_step(season: SmallSeason, capsys: pytest.CaptureFixture[str]) -> None:
    run_model_demo(
        None, season.workspace, season.season_dir, ModelDemoTables(), local=True,
        now=datetime.now(UTC),
    )  # fmt: skip
    out = capsys.readouterr().out
    for title in ("Features, season 2019", "Evaluation, season 2020", "Fairness audit",
                  "Pool forecast backtest", "Offers needed for a hiring target"):  # fmt: skip
        assert title in out


def test_the_season_defaults_are_the_models() -> None:
    from fairfollow.cli import model as cli_model
    from fairfollow.model import analysis

    assert cli_model.TRAINING_SEASON == analysis.TRAINING_SEASON
    assert cli_model.CURRENT_SEASON == analysis.CURRENT_SEASON
