"""``fairfollow db``: migrations run when asked, and a ledger behind the code is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.ledger.engine import make_engine, schema_heads, upgrade
from fairfollow.workspace import Workspace

runner = CliRunner()


@pytest.fixture(autouse=True)
def _embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)


def test_status_of_a_new_workspace_is_behind_and_creates_no_ledger(tmp_path: Path) -> None:
    Workspace(tmp_path / "ws").ensure()
    done = runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "status", "--json"])
    assert done.exit_code == 1
    assert json.loads(done.stdout)["missing"] == sorted(schema_heads())
    assert not (tmp_path / "ws" / "ledger.sqlite").exists()


def test_upgrade_creates_the_ledger_at_every_head(tmp_path: Path) -> None:
    done = runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "upgrade", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["heads"] == sorted(schema_heads())
    status = runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "status", "--json"])
    assert status.exit_code == 0 and json.loads(status.stdout)["current"] is True


def test_a_command_on_an_old_ledger_names_db_upgrade_and_changes_nothing(tmp_path: Path) -> None:
    ledger = tmp_path / "ws" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{ledger}")
    upgrade(engine, "0000_base")
    engine.dispose()
    done = runner.invoke(app, ["-w", str(tmp_path / "ws"), "log", "checkpoint"])
    # The root group turns a FairFollowError into its one-line message and exit 2.
    assert done.exit_code == 2 and "fairfollow db upgrade" in done.output
    engine = make_engine(f"sqlite:///{ledger}")
    with engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    engine.dispose()
    assert not any(t.startswith("log_") for t in tables), tables  # nothing was migrated
    assert runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["-w", str(tmp_path / "ws"), "log", "checkpoint"]).exit_code == 0
