"""``fairfollow service/release/budget/records`` end to end on a workspace's SQLite ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.governance.examples import dmp_follow_2019, yield_forecast

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)
    return tmp_path / "ws"


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(ws), *args])
    return result.exit_code, result.output


def test_service_workflow_through_the_cli(ws: Path, tmp_path: Path) -> None:
    spec = tmp_path / "forecast.json"
    spec.write_bytes(yield_forecast(["E0001"], owner="hanako").canonical())
    for person, role in (("po", "privacy_officer"), ("r1", "reviewer"), ("r2", "reviewer")):
        assert run(ws, "service", "role", person, role, "--by", "admin")[0] == 0
    code, out = run(ws, "service", "register", str(spec), "--actor", "hanako", "--json")
    assert code == 0 and json.loads(out)["state"] == "draft"
    code, out = run(ws, "service", "submit", "yield-forecast", "--actor", "hanako", "--json")
    assert code == 0 and json.loads(out)["decision"]["outcome"] == "allow"
    assert run(ws, "service", "review", "yield-forecast", "--actor", "po")[0] == 0
    assert run(ws, "service", "approve", "yield-forecast", "--actor", "r1")[0] == 0
    code, out = run(ws, "service", "approve", "yield-forecast", "--actor", "r2", "--json")
    assert code == 0 and json.loads(out)["state"] == "approved"
    code, out = run(ws, "service", "show", "yield-forecast", "--json")
    shown = json.loads(out)
    assert shown["current"] and [e["kind"] for e in shown["history"]][-1] == "service.approved"
    code, out = run(
        ws, "service", "veto", "yield-forecast", "--actor", "r1", "--reason", "no", "--json"
    )
    assert json.loads(out)["vetoes"] == [{"actor": "r1", "reason": "no"}]
    assert "approved" in run(ws, "service", "show", "yield-forecast")[1]  # history shown


def test_role_errors_exit_cleanly(ws: Path, tmp_path: Path) -> None:
    spec = tmp_path / "forecast.json"
    spec.write_bytes(yield_forecast(["E0001"], owner="hanako").canonical())
    run(ws, "service", "register", str(spec), "--actor", "hanako")
    result = runner.invoke(
        app, ["--workspace", str(ws), "service", "submit", "yield-forecast", "--actor", "taro"]
    )
    assert result.exit_code != 0 and "product owner" in str(result.exception)


def test_2019_service_and_individual_release_are_refused_with_citations(
    ws: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "dmp.json"
    spec.write_bytes(dmp_follow_2019().canonical())
    run(ws, "service", "register", str(spec), "--actor", "business-unit-2019")
    code, out = run(
        ws, "service", "submit", "dmp-follow-2019", "--actor", "business-unit-2019", "--json"
    )
    assert code == 1 and json.loads(out)["state"] == "rejected"
    code, out = run(
        ws, "release", "individual", "--employer", "E1", "--service", "dmp-follow-2019", "--json"
    )
    refused = json.loads(out)
    assert code == 1 and refused["released"] is False
    assert any("ESA Art. 5-5, 51" in c for c in refused["citations"])
    assert any(c.startswith("APPI Art. 31") for c in refused["citations"])


def test_budget_records_and_rules_commands(ws: Path) -> None:
    code, out = run(
        ws, "budget", "set", "--employer", "E7", "--cap", "2.5", "--actor", "po", "--json"
    )
    assert code == 0 and json.loads(out)[0]["epsilon_cap"] == 2.5
    code, out = run(ws, "budget", "show", "--json")
    assert json.loads(out)[0]["employer"] == "E0007"
    code, out = run(ws, "records", "member", "42", "--json")
    assert json.loads(out) == {"member_id": 42, "provisions": []}
    code, out = run(ws, "service", "rules")
    assert code == 0 and "`jp.no_individual_evaluation` (mandatory)" in out
    assert len(json.loads(run(ws, "service", "rules", "--json")[1])) == 19
