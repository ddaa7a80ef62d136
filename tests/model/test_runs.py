"""The models and reports a workspace holds, listed without loading a model."""

from __future__ import annotations

import json
from pathlib import Path

from fairfollow.model.runs import model_runs, reports


def test_runs_newest_first_with_the_current_one_marked(tmp_path: Path) -> None:
    for model_id, created in (("m-old", "2019-01-01"), ("m-new", "2019-02-01")):
        (tmp_path / model_id).mkdir()
        meta = {"model_id": model_id, "created_at": created, "season": "2019",
                "train_rows": 10, "holdout": {"auc": 0.75, "note": "x"}}  # fmt: skip
        (tmp_path / model_id / "metadata.json").write_text(json.dumps(meta))
    (tmp_path / "current").write_text("m-old\n")
    runs = model_runs(tmp_path)
    assert [(r.model_id, r.current, r.season) for r in runs] == [
        ("m-new", False, 2019),
        ("m-old", True, 2019),
    ]
    assert runs[0].holdout == {"auc": 0.75}


def test_reports_by_kind(tmp_path: Path) -> None:
    (tmp_path / "evaluation-2020-m.json").write_text(json.dumps({"auc": 0.7}))
    (tmp_path / "backtest-2020.json").write_text(json.dumps({"pools": 3}))
    assert [(r.kind, r.data) for r in reports(tmp_path)] == [
        ("backtest", {"pools": 3}),
        ("evaluation", {"auc": 0.7}),
    ]
    assert reports(tmp_path / "missing") == []
