"""Evaluation against the truth: stable JSON keys, the oracle, the audit, the diagram."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.booster import SENSITIVE_ATTRIBUTES, TrainedModel, train, training_data
from fairfollow.model.evaluation import (
    JSON_KEYS,
    evaluate,
    join_truth,
    read_truth_offers,
    scored_offers,
    write_evaluation,
)
from tests.model_data import AS_OF, NAMES, NOW, SMALL, synthetic


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    features, offers = synthetic(3000, seed=0)
    return train(training_data(features, NAMES, offers, AS_OF), SMALL, now=NOW)


def current(rows: int = 2000, noise: float = 0.0) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Current-season features, the truth about them, and members' attributes."""
    features, offers = synthetic(rows, seed=9, season=2020, shared_members=False)
    rng = np.random.default_rng(1)
    p_true = np.asarray(offers.column("p_accept"))
    p_seen = np.clip(p_true + rng.normal(0, noise, rows), 0, 1) if noise else p_true
    truth = pa.table(
        {
            "offer_id": pa.array(np.arange(rows), pa.int64()),
            "season": pa.array(np.full(rows, 2020), pa.int16()),
            "member_id": features.column("member_id"),
            "company_id": features.column("company_id"),
            "p_accept": p_seen,
            "accepted": offers.column("accepted"),
        }
    )
    attributes = pa.table(
        {
            "member_id": features.column("member_id"),
            "gender": rng.choice(["F", "M", "X"], rows),
            "university_tier": pa.array(rng.integers(1, 5, rows), pa.int8()),
            "region": rng.choice(["kanto", "kinki", "kyushu"], rows),
        }
    )
    return features, truth, attributes


def test_report_has_every_documented_key(model: TrainedModel, tmp_path: Path) -> None:
    features, truth, attributes = current()
    report = write_evaluation(evaluate(model, features, truth, attributes), tmp_path)
    payload = report.as_json()
    assert tuple(payload) == JSON_KEYS
    for key in ("auc", "brier", "ece", "oracle_auc", "oracle_brier", "lift_ratio", "fairness"):
        assert payload[key] is not None
    assert set(payload["fairness"]) == set(SENSITIVE_ATTRIBUTES)
    assert set(payload["fairness"]["gender"]["groups"]) == {"F", "M", "X"}
    assert 0.5 < report.model.auc <= report.oracle.auc
    assert report.lift_ratio == pytest.approx((report.model.auc - 0.5) / (report.oracle.auc - 0.5))
    assert not report.model_above_oracle
    assert Path(str(payload["reliability_png"])).read_bytes()[:4] == b"\x89PNG"
    written = json.loads(next(tmp_path.glob("evaluation-2020-*.json")).read_text())
    assert written == json.loads(json.dumps(payload))


def test_a_model_above_the_oracle_is_flagged(model: TrainedModel) -> None:
    features, truth, attributes = current(noise=0.35)  # a blurred "truth" is beatable
    report = evaluate(model, features, truth, attributes)
    assert report.model_above_oracle
    assert report.as_json()["model_above_oracle"] is True


def test_offers_without_truth_are_counted(model: TrainedModel) -> None:
    features, truth, attributes = current()
    report = evaluate(model, features, truth.slice(0, 1500), attributes)
    assert report.truth_unmatched == 500
    assert report.model.count == 1500
    scored = scored_offers(model, features)
    joined, missing = join_truth(scored, truth.slice(0, 0))
    assert missing == 2000 and joined.empty
    with pytest.raises(ModelError, match=r"model\.no_truth_rows"):
        evaluate(model, features, truth.slice(0, 0), attributes)


def test_truth_is_read_from_an_explicit_path_only(tmp_path: Path) -> None:
    _, truth, _ = current(50)
    path = tmp_path / "offers.parquet"
    pq.write_table(truth, path)
    assert read_truth_offers(path).column_names == [
        "season", "member_id", "company_id", "p_accept", "accepted",
    ]  # fmt: skip
    with pytest.raises(ModelError, match=r"model\.no_truth_file"):
        read_truth_offers(tmp_path / "missing.parquet")
    pq.write_table(truth.drop(["p_accept"]), path)
    with pytest.raises(ModelError, match=r"model\.truth_columns_missing"):
        read_truth_offers(path)
