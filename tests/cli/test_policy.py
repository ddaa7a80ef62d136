"""``fairfollow policy …`` end to end on a workspace's SQLite ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.policy import REFUSED_EXIT
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.governance.intake import matching_key
from fairfollow.ledger.engine import create_ledger
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace
from tests.consent_season import write_season

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    root = tmp_path / "ws"
    workspace = Workspace.from_settings(Settings(home=root)).ensure()
    engine = create_ledger(workspace.ledger_url)
    key = matching_key(workspace.keys_dir)
    ingest_consent_logs(engine, write_season(tmp_path / "season"), key=key)
    engine.dispose()
    version = {
        "version_id": "v3",
        "effective_at": "2019-08-01T00:00:00+09:00",
        "purposes": ["platform_service", "employer_forecast"],
        "text_ja": "第3版",
        "text_en": "Version 3",
        "material_changes": [],
    }
    (tmp_path / "v3.json").write_text(json.dumps(version), "utf-8")
    return root


def cli(workspace: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    return result.exit_code, result.output


def test_activation_is_refused_naming_the_lagging_screen_then_forced_on_record(
    workspace: Path,
) -> None:
    code, _ = cli(workspace, "policy", "add", str(workspace.parent / "v3.json"), "--by", "Sato")
    assert code == 0
    assert cli(workspace, "policy", "approve", "v3", "--by", "Suzuki")[0] == 0
    for screen in ("pc_registration", "settings_page"):
        code, out = cli(
            workspace, "policy", "deploy", screen, "v3", "--at", "2019-08-01T00:00:00+09:00"
        )
        assert code == 0 and "displays v3" in out
    code, out = cli(workspace, "policy", "activate", "v3", "--at", "2019-08-01T01:00+09:00")
    assert code == REFUSED_EXIT and "entry_form" in out and "refused" in out
    code, out = cli(
        workspace,
        "policy",
        "activate",
        "v3",
        "--force",
        "--reason",
        "x",
        "--at",
        "2019-08-01T01:00+09:00",
    )
    assert code == REFUSED_EXIT and "named person" in out
    code, out = cli(
        workspace,
        "policy",
        "activate",
        "v3",
        "--force",
        "--by",
        "Sato",
        "--reason",
        "court order",
        "--at",
        "2019-08-01T02:00+09:00",
        "--json",
    )
    decision = json.loads(out)
    assert code == 0 and decision["outcome"] == "forced"
    assert decision["lagging"] == [{"screen_id": "entry_form", "displays": "v1"}]
    code, out = cli(workspace, "policy", "list", "--at", "2019-08-02T00:00+09:00", "--json")
    listing = json.loads(out)
    assert listing["active"] == ["v3"]
    assert [d["outcome"] for d in listing["decisions"]] == [
        "activated",
        "forced",
        "refused",
        "refused",
        "forced",
    ]
    lagging = [s["screen_id"] for s in listing["screens"] if s["lagging"]]
    assert lagging == ["entry_form"]
    assert "LAGGING" in cli(workspace, "policy", "list", "--at", "2019-08-02T00:00+09:00")[1]


def test_naive_times_and_unknown_names_are_refused(workspace: Path) -> None:
    code, out = cli(workspace, "policy", "deploy", "entry_form", "v2", "--at", "2019-08-01")
    assert code != 0 and "offset" in out
    code, _ = cli(workspace, "policy", "deploy", "nowhere", "v2")
    assert code != 0
