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


def _lost_ledger(root: Path) -> Path:
    """A workspace made by ``db upgrade`` (its administrator, a published checkpoint),
    whose ledger file is then deleted, as the review did."""
    assert runner.invoke(app, ["-w", str(root), "db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["-w", str(root), "log", "checkpoint"]).exit_code == 0
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    return root / "ledger.sqlite"


def _codes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The codes the action journal recorded for the commands run (one JSON line each)."""
    found = []
    for record in caplog.records:
        if record.name == "fairfollow.actions":
            found.append(str(json.loads(record.getMessage()).get("code")))
    return found


def test_no_command_makes_a_deleted_ledger_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 27: a deleted ledger was silently re-created by a command that opened it for
    writing, and ``account bootstrap`` then made a new administrator over an empty history.
    Every command is refused with the code that says how to go on, and none makes a file."""
    from tests.cli.test_app import ALL, NO_PATH, _required

    ledger = _lost_ledger(tmp_path / "ws")
    caplog.set_level("INFO", logger="fairfollow.actions")
    refused = []
    for words, command in ALL:
        if words in NO_PATH or words == ("log", "witness-key"):  # no ledger involved
            continue
        caplog.clear()
        args = ["-w", str(tmp_path / "ws"), *words, *_required(command, tmp_path / "x")]
        result = runner.invoke(app, args, input="a secret\n", env={"FAIRFOLLOW_TOKEN": ""})
        assert not ledger.exists(), (words, result.output)  # nothing made it again
        if "workspace_guard.ledger_lost" in _codes(caplog):
            refused.append(words)
    # The commands that reach the ledger name the way on; among them the review's.
    assert {("account", "bootstrap"), ("account", "list"), ("log", "checkpoint"),
            ("db", "upgrade"), ("serve",)} <= set(refused), refused  # fmt: skip


def test_db_upgrade_new_makes_an_empty_ledger_but_no_administrator_over_history(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = _lost_ledger(tmp_path / "ws")
    done = runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "upgrade", "--new", "--json"])
    assert done.exit_code == 0 and ledger.exists()
    assert "administrator" not in json.loads(done.stdout)  # the outside copy has history
    caplog.clear()
    caplog.set_level("INFO", logger="fairfollow.actions")
    again = runner.invoke(app, ["-w", str(tmp_path / "ws"), "account", "bootstrap"])
    assert again.exit_code == 2
    assert _codes(caplog) == ["workspace_guard.bootstrap_over_history"]


def test_a_new_workspace_is_still_made_by_the_commands_that_make_one(tmp_path: Path) -> None:
    done = runner.invoke(app, ["-w", str(tmp_path / "a"), "account", "bootstrap", "--json"])
    assert done.exit_code == 0, done.output
    made = json.loads(done.stdout)
    assert made["secret"].startswith("ffs_") and made["break_glass"].startswith("ffg_")
    assert (tmp_path / "a" / "ledger.json").is_file()  # the mark that it was made
    # A workspace that never had a ledger is refused by an ordinary command, by name.
    Workspace(tmp_path / "b").ensure()
    listed = runner.invoke(app, ["-w", str(tmp_path / "b"), "account", "list"])
    assert listed.exit_code == 2 and not (tmp_path / "b" / "ledger.sqlite").exists()
