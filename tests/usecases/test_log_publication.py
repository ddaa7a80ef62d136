"""Checkpoints leave the database: a release from the web and one from the command line both
publish their checkpoint to the copy outside it, and the audits fail, saying why, when that
copy is missing or behind."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.accounts import authority
from fairfollow.cli.app import app as cli
from fairfollow.ledger.transaction import reading
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import read_notes
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.consoles import ledger_of, staff_site
from tests.web.site import PASSWORD, totp_now


def _token(settings: Settings, account: object) -> str:
    from fairfollow.scenarios.site_accounts import SiteAccount

    assert isinstance(account, SiteAccount)
    engine = ledger_of(settings)
    now = datetime.now(UTC)
    token = authority.login(engine, account.login, PASSWORD, now, totp=totp_now(account, now))
    engine.dispose()
    return token.token


def _latest_note(settings: Settings) -> tuple[int, str]:
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        latest = log_store.latest_checkpoint(conn)
    engine.dispose()
    assert latest is not None
    return latest.size, latest.note


def test_releases_from_the_web_and_the_cli_publish_and_audits_fail_without_the_copy(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    workspace = Workspace.from_settings(settings)
    outside = workspace.checkpoint_file
    before, _ = _latest_note(settings)
    client = TestClient(create_app(settings))

    employer = {"authorization": f"Bearer {_token(settings, accounts['employer'])}"}
    answer = client.post("/api/v1/employer/forecasts", json={"epsilon": 0.1}, headers=employer)
    assert answer.status_code == 200, answer.text
    size, note = _latest_note(settings)
    assert size > before and read_notes(outside)[-1] == note  # the web's release left the db

    name = accounts["employer"].login.removeprefix("hr-").upper()
    result = CliRunner().invoke(
        cli,
        ["--workspace", str(workspace.root), "release", "forecast", "--employer", name,
         "--service", "yield-forecast", "--epsilon", "0.2"],  # 0.1 again: the same release
        env={"FAIRFOLLOW_TOKEN": _token(settings, accounts["analyst"])},
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output  # released, or refused and recorded
    after, note = _latest_note(settings)
    assert after > size and read_notes(outside)[-1] == note  # and so did the CLI's

    auditor = {"authorization": f"Bearer {_token(settings, accounts['auditor'])}"}
    assert client.get("/api/v1/audit", headers=auditor).json()["ok"] is True
    audit = ["--workspace", str(workspace.root), "log", "audit"]
    assert CliRunner().invoke(cli, audit).exit_code == 0

    full = outside.read_text(encoding="utf-8")
    outside.write_text(full.rsplit("~\n", 2)[0] + "~\n", encoding="utf-8")  # the last note cut
    found = client.get("/api/v1/audit", headers=auditor).json()
    assert found["ok"] is False and found["checkpoint_copy"]["state"] == "behind"
    assert found["checkpoint_copy"]["ledger_size"] == after
    result = CliRunner().invoke(cli, audit)
    assert result.exit_code == 1 and "behind" in result.output

    outside.unlink()
    page = client.get("/audit", headers={**auditor, "accept": "text/html"}, params={"lang": "ja"})
    assert 'data-ok="no"' in page.text and 'data-state="missing"' in page.text
    assert "チェックポイントの写し" in page.text and "ありません" in page.text
    result = CliRunner().invoke(cli, audit)
    assert result.exit_code == 1 and "missing" in result.output
