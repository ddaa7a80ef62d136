"""Model oversight as stored: the held-out audit training leaves, the evaluation that
replaces it, the four-fifths failures named, and unreadable files refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.analysis import evaluate_season
from fairfollow.model.fairness import audit
from fairfollow.model.metrics import reliability_curve
from fairfollow.model.oversight import HOLDOUT_AUDIT, oversight, write_holdout_audit
from fairfollow.model.runs import model_runs
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

ATTRIBUTES = {"gender", "university_tier", "region"}


def current_folder(ws: Workspace) -> Path:
    current = next(r for r in model_runs(ws.models_dir) if r.current)
    return ws.models_dir / current.model_id


def test_training_leaves_the_held_out_audit_the_console_reads(replayed_workspace: Path) -> None:
    ws = Workspace(replayed_workspace)
    found = oversight(ws)
    assert found.model is not None and found.model.current
    assert found.card is not None and found.card.startswith(f"# Model card: {found.model.model_id}")
    assert found.audit is not None and found.audit.source == "holdout"
    assert {a.attribute for a in found.audit.fairness} == ATTRIBUTES
    metadata = json.loads((current_folder(ws) / "metadata.json").read_text())
    # Every held-out offer sits in one reliability bin and in one group of each attribute.
    assert sum(p.count for p in found.audit.reliability) == metadata["calibration_rows"]
    for attribute in found.audit.fairness:
        assert sum(g.count for g in attribute.groups) == metadata["calibration_rows"]
    assert found.audit.model["auc"] == pytest.approx(metadata["holdout"]["auc"])
    assert found.truth_available


def test_an_evaluation_replaces_the_held_out_audit(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    ws = Workspace(copy_workspace(replayed_workspace, tmp_path / "ws"))
    origin = ws.origin()
    assert origin is not None
    report = evaluate_season(ws, origin.truth_offers)
    found = oversight(ws)
    assert found.audit is not None and found.audit.source == "evaluation"
    assert found.audit.season == report.season
    assert found.audit.model["auc"] == pytest.approx(report.model.auc)
    assert found.audit.oracle["auc"] == pytest.approx(report.oracle.auc)
    assert found.audit.lift_ratio == pytest.approx(report.lift_ratio)
    curve = report.curves["model, fixed bins"]
    assert [(p.mean_predicted, p.observed_rate, p.count) for p in found.audit.reliability] == [
        (b.mean_predicted, b.observed_rate, b.count) for b in curve.bins
    ]
    failing = {a.attribute for a in report.fairness.attributes if not a.passes_four_fifths}
    assert set(found.audit.failing) == failing


def a_model_folder(root: Path) -> Path:
    models = root / "models"
    folder = models / "m1"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(
        json.dumps({"model_id": "m1", "season": 2019, "created_at": "2019-06-01T00:00:00Z"})
    )
    (models / "current").write_text("m1\n")
    return folder


def test_a_flag_that_fails_four_fifths_is_named(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    folder = a_model_folder(tmp_path)
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 400)
    # Women's offers all sit below the flag threshold, men's all above: impact ratio 0.
    gender = np.array(["female", "male"] * 200)
    p = np.where(gender == "female", 0.2, 0.8)
    region = np.array(["kanto", "kanto", "kansai", "kansai"] * 100)  # each half women
    fairness = audit(y, p, {"gender": gender, "region": region})
    write_holdout_audit(folder, 2019, fairness, reliability_curve(y, p))
    found = oversight(ws)
    assert found.audit is not None and found.audit.failing == ("gender",)
    gender_row = next(a for a in found.audit.fairness if a.attribute == "gender")
    assert gender_row.impact_ratio == 0.0 and not gender_row.passes_four_fifths
    assert [p.count for p in found.audit.reliability] == [200, 200]
    assert not found.truth_available and found.card is None


def test_no_model_no_audit(tmp_path: Path) -> None:
    found = oversight(Workspace(tmp_path))
    assert found.model is None and found.audit is None


def test_an_unreadable_audit_is_refused_not_shown_empty(tmp_path: Path) -> None:
    folder = a_model_folder(tmp_path)
    (folder / HOLDOUT_AUDIT).write_text('{"season": 2019, "fairness": [], "reliability": []}')
    with pytest.raises(ModelError, match=r"model\.report_not_object"):
        oversight(Workspace(tmp_path))
    (folder / HOLDOUT_AUDIT).write_text("{not json")
    with pytest.raises(ModelError, match=r"model\.report_unreadable"):
        oversight(Workspace(tmp_path))


def test_evaluating_a_workspace_without_a_season_is_refused(tmp_path: Path) -> None:
    from fairfollow.errors import InputError
    from fairfollow.model.analysis import evaluate_against_origin

    a_model_folder(tmp_path)
    with pytest.raises(InputError, match=r"model\.no_truth_in_workspace"):
        evaluate_against_origin(Workspace(tmp_path))
