from __future__ import annotations

from pathlib import Path

import pytest

from fairfollow.settings import Settings


def test_environment_prefix_sets_the_workspace_and_ledger(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAIRFOLLOW_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.home == tmp_path / "ws"
    assert settings.ledger_url == "postgresql+psycopg://u@h/db"


def test_defaults_are_a_local_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    settings = Settings()
    assert settings.home == Path("./fairfollow-data")
    assert settings.ledger_url is None


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
