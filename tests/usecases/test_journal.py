"""The command line's action lines: one per command, with its action, account id, outcome
and code — and, over a whole replay and staff commands, no member id, name, e-mail,
login or token."""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.usecases import journal
from fairfollow.usecases.journal import outcome_of, safe_code

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
KEYS = {"event", "channel", "request_id", "action", "account", "outcome", "code"}
KEYS |= {"command", "ms"}
FORECAST = "employer_forecast"


def test_a_legacy_sentence_never_reaches_a_line_as_a_code() -> None:
    from fairfollow.errors import GovernanceError, RoleError

    assert safe_code("ops.backup_altered") == "ops.backup_altered"
    assert outcome_of(GovernanceError("'taro@example.jp' is not an employer id"))[1] == "uncoded"
    assert outcome_of(RoleError("accounts.action_refused", login="taro"))[0].value == "refused"
    assert outcome_of(SystemExit(0))[0].value == "done"


@pytest.mark.slow
def test_the_lines_of_a_replay_and_of_staff_commands_hold_no_personal_data(
    simulated_season: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.setenv("FAIRFOLLOW_ACTION_LOG", str(tmp_path / "actions.jsonl"))
    # A web application built earlier in this test process configured the journal for its
    # lifetime (stderr, once per process); a command line process starts without it.
    journal.unconfigure()
    season = simulated_season(students=2000, seed=1, defects="a,b")
    ws = tmp_path / "ws"
    secrets: list[str] = []

    def cli(*args: str, token: str = "", stdin: str | None = None, ok: bool = True) -> str:
        result = runner.invoke(
            app, ["-w", str(ws), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
        )
        assert (result.exit_code == 0) is ok, result.output
        return result.output.strip()

    with caplog.at_level(logging.DEBUG):
        cli("replay", str(season), "--out", str(ws))
        secret = (ws / "keys" / "admin.secret").read_text(encoding="ascii")
        admin = cli("account", "login", "admin", "--password-stdin", "-q", stdin=secret)
        password = cli("account", "create", "hanako.yamada", "-q", token=admin)
        cli("account", "grant", "hanako.yamada", "analyst", token=admin)
        cli("account", "grant", "hanako.yamada", "analyst", token="not-a-token", ok=False)
        analyst = cli("account", "login", "hanako.yamada", "--password-stdin", "-q", stdin=password)
        cli("consent", "coverage", "--purpose", FORECAST, "--json", token=analyst)
        secrets += [secret, admin, password, analyst, "hanako.yamada", "not-a-token"]

    lines = [r.getMessage() for r in caplog.records if r.name == "fairfollow.actions"]
    entries = [json.loads(line) for line in lines]
    assert [e["command"] for e in entries] == ["replay", *["account"] * 5, "consent"]
    assert entries[0]["outcome"] == "done" and entries[0]["account"] is None  # the local shell
    granted, refused, covered = entries[3], entries[4], entries[6]
    assert granted["outcome"] == "done" and re.fullmatch(r"acc-[0-9a-f]+", granted["account"])
    assert refused["outcome"] == "refused" and refused["account"] is None
    # a dotted code, or "uncoded" for an error still worded as a sentence (never the sentence)
    assert refused["code"] == "uncoded" or refused["code"].startswith("accounts."), refused
    assert covered["action"] == "consent.coverage" and covered["outcome"] == "done"
    assert covered["account"] != granted["account"]  # the analyst, not the administrator
    written = (tmp_path / "actions.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in written] == entries  # the file holds the same lines
    for entry in entries:
        assert set(entry) == KEYS, entry
        assert re.fullmatch(r"[0-9a-f]{16}", entry["request_id"])

    # Everything any logger wrote during the replay and the commands: no person in it.
    text = "\n".join(r.getMessage() for r in caplog.records)
    with (season / "raw" / "members.csv").open(encoding="utf-8") as handle:
        members = list(csv.DictReader(handle))
    for row in members[:500]:
        for value in (row["name_kanji"], row["email"]):
            assert value not in text, value
    for value in secrets:
        assert value not in text, value
    ids = {row["member_id"] for row in members}
    for entry in entries:  # no number in a line that could be a member id
        for value in entry.values():
            assert not (isinstance(value, int) and str(value) in ids), entry
