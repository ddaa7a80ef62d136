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
    with pytest.raises(ConfigError, match="cannot create workspace"):
        Workspace(root=blocker).ensure()
