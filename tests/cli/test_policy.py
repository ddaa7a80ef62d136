"""``fairfollow policy …`` end to end on a workspace's SQLite ledger, as accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.context import clear_session
from fairfollow.cli.policy import REFUSED_EXIT
from fairfollow.consent import policy_store
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.intake.desk import matching_key
from fairfollow.ledger.engine import create_ledger, open_ledger
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


def cli(workspace: Path, *args: str, token: str = "", stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        app, ["--workspace", str(workspace), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
    )
    return result.exit_code, result.output


def _login(workspace: Path, login: str, secret: str) -> str:
    code, out = cli(workspace, "account", "login", login, "--password-stdin", "-q", stdin=secret)
    assert code == 0, out
    return out.strip()


@pytest.fixture
def tokens(workspace: Path) -> dict[str, str]:
    """The administrator, a privacy officer (sato), an operator and an analyst, logged in."""
    admin = _login(workspace, "admin", cli(workspace, "account", "bootstrap", "-q")[1].strip())
    found = {"admin": admin}
    for login, role in (("sato", "privacy_officer"), ("ops", "operator"), ("ana", "analyst")):
        secret = cli(workspace, "account", "create", login, "-q", token=admin)[1].strip()
        assert cli(workspace, "account", "grant", login, role, token=admin)[0] == 0
        found[login] = _login(workspace, login, secret)
    clear_session(Workspace.from_settings(Settings(home=workspace)))  # tokens by env only
    return found


def test_activation_is_refused_naming_the_lagging_screen_then_forced_on_record(
    workspace: Path, tokens: dict[str, str]
) -> None:
    po = tokens["sato"]
    v3 = str(workspace.parent / "v3.json")
    assert cli(workspace, "policy", "add", v3, token=po)[0] == 0
    assert cli(workspace, "policy", "approve", "v3", token=po)[0] == 0
    for screen, who in (("pc_registration", po), ("settings_page", tokens["ops"])):
        code, out = cli(
            workspace, "policy", "deploy", screen, "v3", "--at", "2019-08-01T00:00:00+09:00",
            token=who,
        )  # fmt: skip
        assert code == 0 and "displays v3" in out
    at = ("--at", "2019-08-01T01:00+09:00")
    code, out = cli(workspace, "policy", "activate", "v3", *at, token=po)
    assert code == REFUSED_EXIT and "entry_form" in out and "refused" in out
    code, out = cli(workspace, "policy", "activate", "v3", "--force", *at, token=po)
    assert code == REFUSED_EXIT and "reason" in out
    code, out = cli(
        workspace,
        "policy",
        "activate",
        "v3",
        "--force",
        "--reason",
        "court order",
        "--at",
        "2019-08-01T02:00+09:00",
        "--json",
        token=po,
    )
    decision = json.loads(out)
    assert code == 0 and decision["outcome"] == "forced"
    assert decision["actor"].startswith("sato (acc-")  # the account, never a typed name
    assert decision["lagging"] == [{"screen_id": "entry_form", "displays": "v1"}]
    code, out = cli(
        workspace, "policy", "list", "--at", "2019-08-02T00:00+09:00", "--json",
        token=tokens["sato"],
    )  # fmt: skip
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
    shown = cli(workspace, "policy", "list", "--at", "2019-08-02T00:00+09:00", token=tokens["ana"])
    assert "LAGGING" in shown[1]
    refused = cli(workspace, "policy", "list")  # no account: the table asks to sign in
    assert refused[0] == 2 and "Sign in" in refused[1]


def test_naive_times_and_unknown_names_are_refused(workspace: Path, tokens: dict[str, str]) -> None:
    code, out = cli(
        workspace, "policy", "deploy", "entry_form", "v2", "--at", "2019-08-01", token=tokens["ops"]
    )
    assert code != 0 and "offset" in out
    code, _ = cli(workspace, "policy", "deploy", "nowhere", "v2", token=tokens["ops"])
    assert code != 0


def test_policy_commands_run_as_the_privacy_officers_account_never_a_typed_name(
    workspace: Path, tokens: dict[str, str]
) -> None:
    v3 = str(workspace.parent / "v3.json")
    code, out = cli(workspace, "policy", "add", v3)  # no account
    assert code == 2 and "account login" in out
    code, out = cli(workspace, "policy", "add", v3, "--by", "Sato", token=tokens["sato"])
    assert code == 2 and "--by" in out  # the typed name is gone
    for who in ("admin", "ops", "ana"):
        code, out = cli(workspace, "policy", "add", v3, token=tokens[who])
        assert code == 2 and "privacy officer" in out, who
    assert cli(workspace, "policy", "add", v3, token=tokens["sato"])[0] == 0
    for command in (["approve", "v3"], ["activate", "v3"]):
        code, out = cli(workspace, "policy", *command, token=tokens["ops"])
        assert code == 2 and "privacy officer" in out, command
    code, out = cli(workspace, "policy", "deploy", "entry_form", "v3", token=tokens["ana"])
    assert code == 2 and "operator" in out
    assert cli(workspace, "policy", "approve", "v3", token=tokens["sato"])[0] == 0
    engine = open_ledger(Workspace.from_settings(Settings(home=workspace)).ledger_url)
    with engine.connect() as conn:
        actors = [e.actor for e in policy_store.status_history(conn, "v3")]
    engine.dispose()
    assert len(actors) == 2 and all(str(a).startswith("sato (acc-") for a in actors)
