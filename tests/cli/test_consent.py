"""``fairfollow consent …`` end to end on a workspace's SQLite ledger."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.consent import FAILED_EXIT
from fairfollow.errors import FairFollowError
from tests.consent_season import FORECAST, write_season

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    return tmp_path / "ws"


def cli(workspace: Path, *args: str, token: str | None = None) -> tuple[int, str]:
    env = None if token is None else {"FAIRFOLLOW_TOKEN": token}
    result = runner.invoke(app, ["--workspace", str(workspace), *args], env=env)
    return result.exit_code, result.output


def _login(workspace: Path, login: str, secret: str) -> str:
    args = ["-w", str(workspace), "account", "login", login, "--password-stdin", "-q"]
    result = runner.invoke(app, args, input=secret)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _operator(workspace: Path) -> str:
    """Bootstrap the administrator, who makes an operator and an analyst; the operator's
    session stays. Returns the analyst's token."""
    _login(workspace, "admin", cli(workspace, "account", "bootstrap", "-q")[1].strip())
    ops = cli(workspace, "account", "create", "ops", "-q")[1].strip()
    analyst = cli(workspace, "account", "create", "ana", "-q")[1].strip()
    assert cli(workspace, "account", "grant", "ops", "operator")[0] == 0
    assert cli(workspace, "account", "grant", "ana", "analyst")[0] == 0
    token = _login(workspace, "ana", analyst)
    _login(workspace, "ops", ops)
    return token


def test_ingest_coverage_receipts_and_verification(workspace: Path, tmp_path: Path) -> None:
    season = write_season(tmp_path / "season")
    code, out = cli(workspace, "consent", "ingest", str(season), "--json")
    assert code == 0 and json.loads(out)["events"] == 7
    code, out = cli(workspace, "consent", "ingest", str(season))
    assert code == 0 and "bad_timestamp" in out
    out_dir = tmp_path / "receipts"
    code, out = cli(workspace, "consent", "receipt", "2", "--out", str(out_dir))
    assert code != 0 and not out_dir.exists()  # finding: answered for any member, anyone
    code, out = cli(workspace, "consent", "coverage", "--purpose", FORECAST)
    assert code != 0  # a staff report: an account is needed
    analyst = _operator(workspace)

    ids = tmp_path / "ids.csv"
    code, out = cli(
        workspace,
        "consent",
        "coverage",
        "--purpose",
        "employer_forecast",
        "--as-of",
        "2019-07-15T00:00+09:00",
        "--ids-out",
        str(ids),
        "--json",
    )
    report = json.loads(out)
    assert code == 0 and report["counts"]["valid"] == 2 and report["total"] == 6
    assert report["screens"][0]["screen_id"] == "entry_form"
    assert ids.read_text().splitlines()[1:] == [
        "2,stale_screen_version",
        "3,withdrawn",
        "4,never_asked",
        "5,refused",
    ]
    code, out = cli(
        workspace,
        "consent",
        "coverage",
        "--purpose",
        "employer_forecast",
        "--as-of",
        "2019-07-15T00:00+09:00",
    )
    assert code == 0 and "entry_form" in out and "Screens responsible" in out
    as_of = "2019-07-15T00:00+09:00"
    code, out = cli(
        workspace, "consent", "coverage", "--purpose", FORECAST, "--as-of", as_of, "--json"
    )
    assert json.loads(out)["member_ids"]["stale_screen_version"] == [2]  # small: inline
    code, out = cli(  # an analyst sees the counts, never the member ids
        workspace, "consent", "coverage", "--purpose", FORECAST, "--as-of", as_of, "--json",
        token=analyst,
    )  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["counts"]["valid"] == 2 and "member_ids" not in report
    assert "privacy officer or operator" in report["member_ids_omitted"]
    code, out = cli(
        workspace, "consent", "coverage", "--purpose", FORECAST, "--ids-out", str(tmp_path / "x"),
        token=analyst,
    )  # fmt: skip
    assert code != 0 and "operator" in out and not (tmp_path / "x").exists()

    code, out = cli(workspace, "consent", "receipt", "2", "--out", str(out_dir))
    assert code != 0 and not out_dir.exists()  # an operator needs a logged request
    code, out = cli(
        workspace, "consent", "receipt", "2", "--out", str(out_dir), "--request", "REQ-7"
    )
    assert code == 0
    receipt = out_dir / "receipt-2-2.jws"
    code, out = cli(workspace, "consent", "verify-receipt", str(receipt), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out = cli(workspace, "consent", "receipt", "3", "--request", "REQ-8")  # two lines
    (tmp_path / "mine.jws").write_text(out)
    code, out = cli(workspace, "consent", "verify-receipt", str(tmp_path / "mine.jws"), "--json")
    checks = json.loads(out)
    assert code == 0 and [c["event_id"] for c in checks["receipts"]] == [3, 4]
    forged = receipt.read_text().strip()[:-4] + "AAAA"
    (tmp_path / "forged.jws").write_text(forged)
    code, out = cli(workspace, "consent", "verify-receipt", str(tmp_path / "forged.jws"))
    assert code == FAILED_EXIT and "signature" in out

    code, out = cli(workspace, "consent", "export-key")
    jwk = json.loads(out)
    assert code == 0 and jwk["kty"] == "OKP" and jwk["alg"] == "EdDSA"
    assert "BEGIN PUBLIC KEY" in cli(workspace, "consent", "export-key", "--format", "pem")[1]


def test_the_demo_reports_coverage_and_a_refused_activation(
    workspace: Path, tmp_path: Path
) -> None:
    season = write_season(tmp_path / "season")
    (season / "manifest.json").write_text(
        json.dumps({"seasons": [{"season": 2020, "forecast_date": "2019-07-15T00:00:00+09:00"}]})
    )
    code, out = cli(workspace, "consent", "demo", str(season))
    assert code == 0
    assert "Screens responsible" in out and "entry_form" in out
    assert "activation of v2.1 refused" in out


DOC = Path(__file__).parents[2] / "docs" / "consent.md"


def _block(name: str, language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example:{name} -->\n```{language}\n(.*?)```", text, re.DOTALL)
    assert found is not None, name
    return found.group(1)


def test_the_documented_python_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(_block("consent-python", "python"), "docs/consent.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["activated", "{'valid': 1, 'never_asked': 1, 'stale_screen_version': 1}"]


@pytest.mark.slow
def test_the_documented_cli_example_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    simulated_season: Callable[..., Path],
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    outputs: list[str] = []
    coverage = ""
    for line in _block("consent", "sh").splitlines():
        command, _, comment = line.partition("#")
        words = shlex.split(command)
        if words[:2] == ["fairfollow", "simulate"]:  # the session's copy of the same season
            (tmp_path / "season").symlink_to(simulated_season(students=2000, seed=1, defects="a,b"))
            continue
        target = words[words.index(">") + 1] if ">" in words else None
        words = words[: words.index(">")] if target else words
        source = None
        if "<" in words:
            source = Path(words[words.index("<") + 1]).read_text(encoding="utf-8")
            words = words[: words.index("<")]
        result = runner.invoke(app, words[1:], input=source)
        expected = next((int(c) for c in "23" if f"exits {c}" in comment), 0)
        # `main()` turns a FairFollowError into exit 2; the runner calls the app beneath it.
        code = 2 if isinstance(result.exception, FairFollowError) else result.exit_code
        assert code == expected, f"{line}\n{result.output}"
        if target:
            Path(target).write_text(result.stdout, encoding="utf-8")
        outputs.append(result.output)
        if words[3:5] == ["consent", "coverage"]:
            coverage = result.output
    assert "Screens responsible" in coverage and "entry_form" in coverage
    assert "valid receipt" in outputs[-2]
