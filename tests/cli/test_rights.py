from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.context import clear_session
from fairfollow.workspace import Workspace

runner = CliRunner()


def _run(ws: Path, *args: str, token: str = "", stdin: str | None = None) -> tuple[int, str]:
    env = {"COLUMNS": "200", "FAIRFOLLOW_TOKEN": token}
    result = runner.invoke(app, ["-w", str(ws), *args], env=env, input=stdin)
    return result.exit_code, result.output


def _accounts(ws: Path, **accounts: tuple[str, ...]) -> dict[str, str]:
    """The workspace (made by `db upgrade`, which prints the administrator's secret once) and
    these accounts (`account create` options, then the role if any), logged in by token."""
    code, out = _run(ws, "db", "upgrade", "--json")  # a workspace is never invented
    assert code == 0, out

    def login(name: str, secret: str) -> str:
        code, out = _run(ws, "account", "login", name, "--password-stdin", "-q", stdin=secret)
        assert code == 0, out
        return out.strip()

    tokens = {"admin": login("admin", json.loads(out)["administrator"]["secret"])}
    for name, (create, role) in accounts.items():
        code, secret = _run(
            ws, "account", "create", name, *create.split(), "-q", token=tokens["admin"]
        )
        assert code == 0, secret
        if role:
            assert _run(ws, "account", "grant", name, role, token=tokens["admin"])[0] == 0
        tokens[name] = login(name, secret.strip())
    clear_session(Workspace(ws))
    return tokens


def test_request_due_show_refuse_with_jst_times_and_labels(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    t = _accounts(ws, ops=("", "operator"))
    code, out = _run(
        ws,
        "rights",
        "request",
        "erasure",
        "--member",
        "7",
        "--evidence",
        "passport seen",
        "--at",
        "2019-07-15T10:00+09:00",
        "--json",
        token=t["ops"],
    )
    assert code == 0, out
    made = json.loads(out)
    assert made["status"] == "verified" and made["due_at"] == "2019-07-29T10:00:00+09:00"
    assert made["identity"]["method"] == "operator_verified"
    assert made["identity"]["verified_by"].startswith("ops (acc-")  # the account, not a name
    assert (
        made["label"] == {"ja": "消去", "en": "erasure"} and made["law"]["gdpr"] == "GDPR Art. 17"
    )
    at = ("--at", "2019-07-01T10:00+09:00")
    _run(ws, "rights", "request", "disclosure", "--member", "8", *at, token=t["ops"])
    code, out = _run(
        ws, "rights", "due", "--at", "2019-07-20T10:00+09:00", "--json", token=t["ops"]
    )
    due = json.loads(out)
    assert [r["request_id"] for r in due] == [2, 1] and due[0]["overdue"] and not due[1]["overdue"]
    code, out = _run(ws, "rights", "due", "--at", "2019-07-20T10:00+09:00", token=t["ops"])
    assert (
        "open requests" in out and "2019-07-" in out
    )  # the table (its width follows the terminal)
    code, out = _run(ws, "rights", "complete", "2", token=t["ops"])
    assert code == 2 and "only a verified request" in out  # one line, no traceback
    code, out = _run(
        ws, "rights", "refuse", "2", "--reason", "no identity", "--json", token=t["ops"]
    )
    assert json.loads(out)["status"] == "refused"
    code, out = _run(ws, "rights", "show", "1", token=t["ops"])
    assert code == 0 and "+09:00" in out and "identity_verified" in out


def test_rights_run_as_an_account_a_members_own_needing_no_operator(tmp_path: Path) -> None:
    """Issue 13 leftover: `--verified-by NAME` let anyone record any identity check."""
    ws = tmp_path / "ws"
    t = _accounts(
        ws, ops=("", "operator"), po=("", "privacy_officer"), ana=("", "analyst"),
        m7=("--member 7", ""), m8=("--member 8", ""),
    )  # fmt: skip
    request = ("rights", "request", "disclosure", "--member", "7")
    code, out = _run(ws, *request, "--verified-by", "ops", "--evidence", "x", token=t["ops"])
    assert code == 2 and "--verified-by" in out  # the typed name is gone
    code, out = _run(ws, *request, "--evidence", "passport")
    assert code == 2 and "account login" in out
    for who in ("ana", "m8"):  # an analyst, another member
        code, out = _run(ws, *request, "--evidence", "passport", token=t[who])
        assert code == 2 and ("may not" in out or "own" in out), who
    code, out = _run(ws, *request, "--json", token=t["m7"])  # the member's own account
    mine = json.loads(out)
    assert code == 0 and mine["status"] == "verified"  # its log-in is the identity check
    assert mine["identity"]["method"] == "logged_in_member"
    assert mine["identity"]["verified_by"].startswith("m7 (acc-")
    assert all(a["actor"].startswith("m7 (acc-") for a in mine["actions"])
    rid = str(mine["request_id"])
    assert _run(ws, "rights", "show", rid, token=t["m7"])[0] == 0
    assert _run(ws, "rights", "show", rid, token=t["m8"])[0] == 2  # not theirs
    assert _run(ws, "rights", "show", rid, token=t["po"])[0] == 0
    for command in (["due"], ["refuse", rid, "--reason", "x"], ["complete", rid]):
        code, out = _run(ws, "rights", *command, token=t["m7"])
        assert code == 2 and "may not" in out, command  # staff work
    code, out = _run(ws, "rights", "request", "stop", "--member", "8", "--json", token=t["po"])
    filed = json.loads(out)  # staff filing without evidence: received, not verified
    assert code == 0 and filed["status"] == "received" and filed["identity"] is None
    fid = str(filed["request_id"])
    assert _run(ws, "rights", "verify", fid, "--evidence", "x", token=t["ana"])[0] == 2
    code, out = _run(
        ws, "rights", "verify", fid, "--evidence", "call-back", "--json", token=t["ops"]
    )
    verified = json.loads(out)
    assert code == 0 and verified["identity"]["verified_by"].startswith("ops (acc-")
