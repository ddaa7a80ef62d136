"""On a replayed season: a real release, a real refusal and an upload move ``/metrics``; and
the request and action lines of the whole web session hold no personal data."""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.accounts.actions import Action
from fairfollow.cli.app import app as cli
from fairfollow.cli.context import clear_session
from fairfollow.web.app import create_app
from tests.web.employer_site import ATTESTATION, EmployerSite, employer_site, list_with_bad_rows
from tests.web.site import PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
runner = CliRunner()
LINE_KEYS = {
    "request": {"event", "request_id", "method", "route", "action", "account", "status"}
    | {"outcome", "ms"},
    "action": {"event", "channel", "request_id", "action", "account", "outcome", "code"},
}


def _cli(ws: Path, *args: str, token: str = "", stdin: str | None = None) -> str:
    result = runner.invoke(
        cli, ["-w", str(ws), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
    )
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _operator(site: EmployerSite) -> str:
    ws = site.workspace.root
    secret = (ws / "keys" / "admin.secret").read_text(encoding="ascii")
    admin = _cli(ws, "account", "login", "admin", "--password-stdin", "-q", stdin=secret)
    new = _cli(ws, "account", "create", "opsy", "-q", token=admin)
    _cli(ws, "account", "grant", "opsy", "operator", token=admin)
    token = _cli(ws, "account", "login", "opsy", "--password-stdin", "-q", stdin=new)
    clear_session(site.workspace)
    return token


def _gauge(text: str, name: str) -> float:
    found = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(found[0].split()[1]) if found else 0.0


def _bearer(client: TestClient, login: str) -> dict[str, str]:
    answer = client.post("/api/v1/token", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['token']}"}


def _personal_data(site: EmployerSite) -> list[str]:
    """Names, e-mails and applicant ids of the season's members and applicants."""
    origin = site.workspace.origin()
    assert origin is not None
    found: list[str] = []
    with (origin.season_dir / "raw" / "members.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found += [row["name_kanji"], row["email"]]
    found += [ATTESTATION["representative"]]
    return found


def test_a_release_a_refusal_and_an_upload_move_the_metrics_and_the_logs_hold_no_person(
    replayed_workspace: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = employer_site(replayed_workspace, tmp_path / "ws")
    operator = {"Authorization": f"Bearer {_operator(site)}"}
    client = TestClient(create_app(site.settings))
    secrets: list[str] = [operator["Authorization"].split()[1]]
    with caplog.at_level(logging.INFO, logger="fairfollow"):
        before = client.get("/metrics", headers=operator).text
        employer_a = _bearer(client, site.accounts["a"].login)
        nobody = _bearer(client, site.accounts["none"].login)
        secrets += [employer_a["authorization"].split()[1], nobody["authorization"].split()[1]]
        released = client.post(
            "/api/v1/employer/forecasts", json={"epsilon": 0.5}, headers=employer_a
        ).json()
        assert released["released"] is True
        refused = client.post(
            "/api/v1/employer/forecasts", json={"epsilon": 0.5}, headers=nobody
        ).json()
        assert refused["released"] is False
        data, name, _ = list_with_bad_rows(site.workspace, site.employer)
        uploaded = client.post(
            "/api/v1/employer/lists",
            data=ATTESTATION,
            files={"file": (name, data, "text/csv")},
            headers=employer_a,
        )
        assert uploaded.status_code in (200, 201), uploaded.text
        denied = client.get("/metrics", headers=employer_a)  # an employer is not an operator
        assert denied.status_code == 403
        after = client.get("/metrics", headers=operator).text

    def decisions(text: str, outcome: str) -> float:
        pattern = rf'^fairfollow_release_decisions\{{outcome="{outcome}",reason="[^"]*"\}} (\S+)$'
        return sum(float(v) for v in re.findall(pattern, text, flags=re.M))

    assert decisions(after, "released") == decisions(before, "released") + 1
    assert decisions(after, "refused") == decisions(before, "refused") + 1
    accepted = 'fairfollow_intake_rows{outcome="accepted"}'
    quarantined = 'fairfollow_intake_rows{outcome="quarantined"}'
    report = uploaded.json()
    assert report["rows_quarantined"] >= 2  # the two bad rows at least
    assert _gauge(after, accepted) == _gauge(before, accepted) + report["rows_accepted"]
    assert _gauge(after, quarantined) == _gauge(before, quarantined) + report["rows_quarantined"]
    spent = r'^fairfollow_epsilon_spent\{season="2020"\} (\S+)$'
    grew = float(re.findall(spent, after, re.M)[0]) - float(re.findall(spent, before, re.M)[0])
    assert grew == pytest.approx(0.5)

    lines = [r.getMessage() for r in caplog.records if r.name.startswith("fairfollow.")]
    # this session's lines: other threads of the test process may log CLI actions meanwhile
    entries = [
        e
        for e in (json.loads(line) for line in lines if line.startswith("{"))
        if e.get("channel") != "cli"
    ]
    actions = [e for e in entries if e["event"] == "action"]
    assert len(actions) == len([e for e in entries if e["event"] == "request" and e["action"]])
    done = {(e["action"], e["outcome"], e["code"]) for e in actions}
    assert (Action.METRICS_READ.value, "refused", "accounts.action_refused") in done
    assert any(e["action"] == Action.METRICS_READ.value and e["outcome"] == "done" for e in actions)
    for entry in entries:  # only the fields a line may carry, and only ids of accounts
        assert set(entry) == LINE_KEYS[entry["event"]], entry
        assert entry["account"] is None or re.fullmatch(r"acc-[0-9a-f-]+", entry["account"])
        assert re.fullmatch(r"[0-9a-f]{16}", entry["request_id"])
    text = "\n".join(lines)
    for value in [*secrets, *_personal_data(site), PASSWORD, site.accounts["a"].login]:
        assert value not in text, value
