from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fairfollow.cli.app import app

runner = CliRunner()


def _run(ws: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["-w", str(ws), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_request_due_show_refuse_with_jst_times_and_labels(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert _run(ws, "db", "upgrade")[0] == 0  # commands open a workspace, never invent one
    code, out = _run(
        ws,
        "rights",
        "request",
        "erasure",
        "--member",
        "7",
        "--verified-by",
        "ops",
        "--evidence",
        "passport seen",
        "--at",
        "2019-07-15T10:00+09:00",
        "--json",
    )
    assert code == 0, out
    made = json.loads(out)
    assert made["status"] == "verified" and made["due_at"] == "2019-07-29T10:00:00+09:00"
    assert (
        made["label"] == {"ja": "消去", "en": "erasure"} and made["law"]["gdpr"] == "GDPR Art. 17"
    )
    _run(ws, "rights", "request", "disclosure", "--member", "8", "--at", "2019-07-01T10:00+09:00")
    code, out = _run(ws, "rights", "due", "--at", "2019-07-20T10:00+09:00", "--json")
    due = json.loads(out)
    assert [r["request_id"] for r in due] == [2, 1] and due[0]["overdue"] and not due[1]["overdue"]
    code, out = _run(ws, "rights", "due", "--at", "2019-07-20T10:00+09:00")
    assert (
        "open requests" in out and "2019-07-" in out
    )  # the table (its width follows the terminal)
    code, out = _run(ws, "rights", "complete", "2")
    assert code == 2 and "only a verified request" in out  # one line, no traceback
    code, out = _run(ws, "rights", "refuse", "2", "--reason", "no identity", "--json")
    assert json.loads(out)["status"] == "refused"
    code, out = _run(ws, "rights", "show", "1")
    assert code == 0 and "+09:00" in out and "identity_verified" in out
