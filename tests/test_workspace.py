from __future__ import annotations

from pathlib import Path

import pytest

from fairfollow.errors import ConfigError
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace


def test_ensure_creates_the_layout_and_defaults_to_a_sqlite_ledger(tmp_path: Path) -> None:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    for path in (
        workspace.analytics_dir,
        workspace.parquet_dir,
        workspace.keys_dir,
        workspace.models_dir,
        workspace.reports_dir,
    ):
        assert path.is_dir()
    assert workspace.ledger_url == f"sqlite:///{tmp_path / 'ws' / 'ledger.sqlite'}"


def test_ledger_url_setting_overrides_the_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, ledger_url="postgresql+psycopg://x@y/z")
    assert Workspace.from_settings(settings).ledger_url == "postgresql+psycopg://x@y/z"


def test_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match=r"foundation\.workspace_not_created"):
        Workspace(root=blocker).ensure()


def test_a_workspace_is_opened_never_invented(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"foundation\.no_workspace"):
        Workspace(tmp_path / "typo").open()
    assert not (tmp_path / "typo").exists()
    made = Workspace(tmp_path / "ws").ensure()
    assert made.open() == made


def test_a_workspace_built_from_a_season_remembers_its_clock(tmp_path: Path) -> None:
    import json
    from datetime import UTC, datetime

    season = tmp_path / "season"
    season.mkdir()
    (season / "manifest.json").write_text(
        json.dumps(
            {
                "seasons": [
                    {"season": 2019, "forecast_date": "2018-07-15T00:00:00+09:00"},
                    {"season": 2020, "forecast_date": "2019-07-15T00:00:00+09:00"},
                ]
            }
        )
    )
    workspace = Workspace(tmp_path / "ws").ensure()
    assert workspace.origin() is None  # live data: no season clock
    workspace.record_origin(season)
    origin = workspace.origin()
    assert origin is not None and origin.current_season == 2020
    assert origin.instant() == datetime(2019, 7, 14, 15, tzinfo=UTC)
    assert origin.instant(2019) == datetime(2018, 7, 14, 15, tzinfo=UTC)
    assert origin.employers_dir == season.resolve() / "employers"
    assert origin.truth_offers == season.resolve() / "truth" / "offers.parquet"
    assert workspace.record_origin(tmp_path) is None  # not a season: nothing recorded
