"""``fairfollow processing``: the record as CSV, JSON or a table, for staff only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_rights import _accounts, _run


def test_the_record_in_each_format(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    t = _accounts(ws, aud=("", "auditor"))
    code, out = _run(ws, "processing", "--format", "json", token=t["aud"])
    assert code == 0, out
    assert json.loads(out)["citation"].startswith("GDPR Art. 30(1)")
    code, out = _run(ws, "processing", "--format", "csv", token=t["aud"])
    assert out.startswith("section,key,field,value") and "safety,noise," in out
    code, out = _run(ws, "processing", token=t["aud"])
    assert code == 0 and "Record of processing" in out
    assert _run(ws, "processing")[0] == 2  # nobody signed in
