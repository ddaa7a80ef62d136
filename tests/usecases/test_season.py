"""Ingesting a season is the shell's (pipeline.run, local only); the ingest report is the
analyst's and the operator's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import AuthenticationError, InputError, RoleError
from fairfollow.settings import Settings
from fairfollow.usecases.season import ingest_report, ingest_season, run_model_demo
from fairfollow.workspace import Workspace

NOW = datetime(2026, 12, 2, tzinfo=UTC)
OPERATOR = Principal("acc-a92c36e66a25ee99", "ops", frozenset({Role.OPERATOR}))
ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))
REVIEWER = Principal("acc-d1e75aca758154ee", "rev", frozenset({Role.REVIEWER}))


def _workspace(tmp_path: Path) -> Workspace:
    return Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()


def test_only_the_workspaces_shell_ingests(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    season = tmp_path / "season"
    season.mkdir()
    with pytest.raises(AuthenticationError):  # the web's anonymous caller
        ingest_season(None, workspace, season, local=False, now=NOW)
    with pytest.raises(RoleError) as caught:  # any account, from outside the shell
        ingest_season(OPERATOR, workspace, season, local=False, now=NOW)
    assert caught.value.params["action"] == "pipeline.run"
    assert workspace.origin() is None  # nothing was recorded


def test_the_model_demo_is_the_shells_too(tmp_path: Path) -> None:
    from fairfollow.cli.model import ModelDemoTables

    with pytest.raises(RoleError) as caught:
        run_model_demo(
            ANALYST, _workspace(tmp_path), tmp_path, ModelDemoTables(), local=False, now=NOW
        )
    assert caught.value.params["action"] == "pipeline.run"


def test_a_missing_season_directory_is_an_input_error_with_a_code(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        ingest_season(None, _workspace(tmp_path), tmp_path / "nowhere", local=True, now=NOW)
    assert caught.value.code == "usecases.no_season_dir"


def test_the_ingest_report_is_the_analysts_and_the_operators(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    for reader in (ANALYST, OPERATOR):
        assert ingest_report(reader, workspace).files == ()
    with pytest.raises(RoleError):
        ingest_report(REVIEWER, workspace)
    with pytest.raises(AuthenticationError):
        ingest_report(None, workspace)


def test_the_shell_ingests_a_simulated_season(simulated_season: object, tmp_path: Path) -> None:
    season_dir = simulated_season()  # type: ignore[operator]
    workspace = _workspace(tmp_path)
    steps: list[str] = []
    report = ingest_season(
        None, workspace, season_dir, local=True, now=NOW,
        on_progress=lambda step, done, total: steps.append(step),
    )  # fmt: skip
    assert report.events.files_ingested and report.consent.members > 0
    assert workspace.origin() is not None and "consent ledger" in steps
    history = ingest_report(ANALYST, workspace)
    assert len(history.files) == len(report.events.files_ingested)
