"""``fairfollow rules``: the packs with their dates, which apply on a day, and the pack
version logged as a leaf once per version."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_rights import _accounts, _run


def test_rules_list_by_day_and_log_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _accounts(ws)
    code, out = _run(ws, "rules", "list", "--on", "2026-08-01", "--json")
    assert code == 0, out
    before = {r["rule"]: r for r in json.loads(out)["rules"]}
    code, out = _run(ws, "rules", "list", "--on", "2026-08-02", "--json")
    after = {r["rule"]: r for r in json.loads(out)["rules"]}
    assert not before["eu.ai_act_workers_informed"]["applies"]
    assert after["eu.ai_act_workers_informed"]["applies"]
    statuses = [d["status"] for d in after["eu.ai_act_workers_informed"]["dates"]]
    assert statuses == ["in_force", "adopted"]
    assert _run(ws, "rules", "list", "--on", "soon")[0] == 2
    code, out = _run(ws, "rules", "log", "--json")
    first = json.loads(out)
    code, out = _run(ws, "rules", "log", "--json")
    second = json.loads(out)
    assert first["new"] and not second["new"]
    assert first["leaf_index"] == second["leaf_index"]
    code, out = _run(ws, "log", "verify", "--json")
    assert code == 0, out
