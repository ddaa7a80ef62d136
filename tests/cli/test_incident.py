"""``fairfollow incident``: record, due list, file, draft — as the session's account."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.test_rights import _accounts, _run


def test_record_due_file_and_draft(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    t = _accounts(ws, po=("", "privacy_officer"), ana=("", "analyst"))
    found = datetime.now(UTC) - timedelta(days=4)
    record = (
        "incident",
        "record",
        "--discovered-at",
        found.isoformat(),
        "--persons",
        "1001",
        "--item",
        "name",
        "--item",
        "email",
        "--summary",
        "Export bucket readable",
        "--unlawful-purpose",
        "--json",
    )
    code, out = _run(ws, *record, token=t["ana"])
    assert code == 2 and "record a leak incident" in out
    code, out = _run(ws, *record, token=t["po"])
    assert code == 0, out
    made = json.loads(out)
    assert made["triggers"] == ["unlawful_purpose", "over_thousand"] and made["reportable"]
    code, out = _run(ws, "incident", "due", "--json", token=t["po"])
    due = json.loads(out)["due"]
    assert [d["duty"] for d in due] == ["ppc_preliminary", "persons", "ppc_final"]
    assert due[0]["late"] and not due[2]["late"]
    code, out = _run(ws, "incident", "due", token=t["po"])
    assert code == 0 and "inc-0001" in out and "late" in out
    code, out = _run(
        ws,
        "incident",
        "file",
        "1",
        "--duty",
        "ppc_preliminary",
        "--filed-at",
        (found + timedelta(days=1)).isoformat(),
        "--json",
        token=t["po"],
    )
    assert code == 0, out
    assert json.loads(out)["on_time"] is True
    code, out = _run(ws, "incident", "draft", "1", "--duty", "ppc_final", token=t["po"])
    assert code == 0, out
    assert "本人の数: 1,001" in out and "（記入してください）" in out
    assert "個人情報保護法施行規則第7条第3号" in out
    code, out = _run(ws, "incident", "show", "2", token=t["po"])
    assert code == 2
