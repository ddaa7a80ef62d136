"""``/healthz``, ``/readyz``, ``/metrics`` and the request log: no personal data in it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.cli.app import app as cli
from fairfollow.cli.context import clear_session
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.rights.request import RequestInput, RightKind
from fairfollow.rights.store import add_request
from fairfollow.settings import Settings
from fairfollow.tlog.witness import Witness
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.usecases.test_backup import grow

runner = CliRunner()


def _cli(ws: Path, *args: str, token: str = "", stdin: str | None = None) -> str:
    result = runner.invoke(
        cli, ["-w", str(ws), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _gauge(text: str, name: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, TestClient, str]:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_LOG_PUBLIC_KEY", raising=False)
    workspace = Workspace(tmp_path / "ws").ensure()
    create_ledger(workspace.ledger_url).dispose()
    grow(workspace, 0, 3)
    secret = _cli(workspace.root, "account", "bootstrap", "--quiet")
    admin = _cli(
        workspace.root, "account", "login", "admin", "--password-stdin", "-q", stdin=secret
    )
    new = _cli(workspace.root, "account", "create", "opsy", "-q", token=admin)
    _cli(workspace.root, "account", "grant", "opsy", "operator", token=admin)
    token = _cli(workspace.root, "account", "login", "opsy", "--password-stdin", "-q", stdin=new)
    clear_session(workspace)
    return workspace, TestClient(create_app(Settings(home=workspace.root))), token


def test_health_and_readiness_say_what_is_missing_and_nothing_more(
    site: tuple[Workspace, TestClient, str],
) -> None:
    workspace, client, _ = site
    assert client.get("/healthz").json() == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "not_ready", "reasons": ["model_missing"]}
    assert str(workspace.root) not in answer.text
    (workspace.models_dir / "current").write_text("m1\n", encoding="utf-8")
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_need_a_staff_token_and_move_with_the_log(
    site: tuple[Workspace, TestClient, str],
) -> None:
    workspace, client, token = site
    assert client.get("/metrics").status_code in (401, 403)
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get("/metrics", headers=auth)
    assert first.status_code == 200 and "text/plain" in first.headers["content-type"]
    before = _gauge(first.text, "fairfollow_log_size")
    assert before >= 3
    assert 'fairfollow_request_seconds_count{method="GET",route="/metrics",status="200"}' in (
        client.get("/metrics", headers=auth).text
    )
    assert _gauge(first.text, "fairfollow_witness_cosignature_age_seconds") == -1
    assert _gauge(first.text, 'fairfollow_rights_requests{state="open"}') == 0
    grow(workspace, 3, 8, Witness(workspace.root.parent / "witness"))
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:  # one request due long ago, one due in two weeks
        late, soon = datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=14)
        add_request(conn, RequestInput(RightKind.DISCLOSURE, 7, late), "ref-a", late)
        add_request(conn, RequestInput(RightKind.DISCLOSURE, 8, late), "ref-b", soon)
    engine.dispose()
    after = client.get("/metrics", headers=auth).text
    assert _gauge(after, "fairfollow_log_size") == before + 5
    assert _gauge(after, "fairfollow_checkpoint_age_seconds") >= 0
    assert 0 <= _gauge(after, "fairfollow_witness_cosignature_age_seconds") < 10**9
    assert _gauge(after, 'fairfollow_rights_requests{state="open"}') == 2
    assert _gauge(after, 'fairfollow_rights_requests{state="overdue"}') == 1
    assert _gauge(after, 'fairfollow_intake_rows{outcome="accepted"}') == 0


def test_the_request_log_is_one_json_line_per_request_without_personal_data(
    site: tuple[Workspace, TestClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, client, token = site
    with caplog.at_level(logging.INFO, logger="fairfollow.requests"):
        client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        client.get("/readyz?email=taro@example.jp")
        client.get("/log/leaves/1")
        client.post("/signin", data={"login": "opsy", "password": "hunter2hunter2"})
    lines = [r.getMessage() for r in caplog.records if r.name == "fairfollow.requests"]
    assert len(lines) == 4
    entries = [json.loads(line) for line in lines]
    assert entries[0]["account"].startswith("acc-") and entries[0]["action"] == "metrics.read"
    assert {e["outcome"] for e in entries} >= {"ok"}
    assert all(len(e["request_id"]) == 16 for e in entries)
    text = "\n".join(lines)
    for secret in (token, "opsy", "taro@example.jp", "hunter2", "/log/leaves/1"):
        assert secret not in text
