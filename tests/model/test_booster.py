"""The model: training, calibration choice, reproducibility, refusal of sensitive features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.booster import (
    SENSITIVE_ATTRIBUTES,
    TrainingData,
    TrainingParams,
    booster_of,
    check_features,
    holdout_mask,
    load_model,
    save_model,
    train,
    training_data,
)
from tests.model_data import AS_OF, NAMES, NOW, SMALL, synthetic


def data(rows: int = 3000, seed: int = 0) -> TrainingData:
    features, offers = synthetic(rows, seed)
    return training_data(features, NAMES, offers, AS_OF)


def test_training_learns_and_records_what_reproduces_it() -> None:
    model = train(data(), SMALL, now=NOW)
    meta = model.metadata
    assert meta.holdout.auc > 0.7
    assert meta.calibration_method == "sigmoid"  # 600 held-out rows: too few for isotonic
    assert meta.feature_names == NAMES
    assert meta.params == SMALL
    assert len(meta.data_fingerprint) == 64
    assert {"lightgbm", "scikit-learn", "numpy"} <= set(meta.library_versions)
    assert meta.train_rows + meta.calibration_rows == 3000
    assert meta.model_id.startswith("acceptance-2019-") and meta.model_id.endswith("-seed0")
    assert meta.widening.calibration_variance > 0
    assert set(meta.widening.employer_variance) == set(range(1, 8))
    p = model.predict(data().frame)
    assert p.min() >= 0.0 and p.max() <= 1.0


def test_isotonic_calibration_where_the_held_out_set_is_large() -> None:
    params = TrainingParams(n_estimators=60, learning_rate=0.1, isotonic_from=500)
    assert train(data(), params, now=NOW).metadata.calibration_method == "isotonic"


def test_same_seed_same_model_and_metrics() -> None:
    first, second = train(data(), SMALL, now=NOW), train(data(), SMALL, now=NOW)
    assert first.metadata.holdout == second.metadata.holdout
    assert first.metadata.model_id == second.metadata.model_id
    frame = data().frame
    np.testing.assert_array_equal(first.predict(frame), second.predict(frame))
    other = train(data(), TrainingParams(n_estimators=60, learning_rate=0.1, seed=1), now=NOW)
    assert other.metadata.model_id != first.metadata.model_id


def test_fingerprint_follows_the_data_not_the_row_order() -> None:
    d = data()
    shuffled = TrainingData(
        d.frame.sample(frac=1.0, random_state=3), d.feature_names, d.season, d.as_of, 0
    )
    assert shuffled.fingerprint == d.fingerprint
    assert data(seed=1).fingerprint != d.fingerprint


def test_sensitive_attributes_are_never_features() -> None:
    model = train(data(), SMALL, now=NOW)
    booster_names = set(booster_of(model).booster_.feature_name())
    for names in (set(model.metadata.feature_names), booster_names):
        assert names.isdisjoint(SENSITIVE_ATTRIBUTES)
        assert names <= set(NAMES)
    features, offers = synthetic(200)
    gendered = features.append_column("gender", pa.array(["F"] * 200))
    for banned in (*SENSITIVE_ATTRIBUTES, "member_id"):
        with pytest.raises(ModelError, match=r"model\.features_banned"):
            check_features((*NAMES, banned))
    with pytest.raises(ModelError, match=r"model\.features_banned .*'gender'"):
        training_data(gendered, (*NAMES, "gender"), offers, AS_OF)


def test_held_out_members_keep_all_their_offers_together() -> None:
    members = np.array([1, 1, 2, 2, 2, 3, 4, 5, 5, 6])
    mask = holdout_mask(members, 0.5, seed=0)
    for member in np.unique(members):
        assert len(set(mask[members == member])) == 1
    assert mask.sum() > 0 and (~mask).sum() > 0


def test_offers_without_outcome_are_counted_and_one_class_is_refused() -> None:
    features, offers = synthetic(300)
    outcome = offers.column("accepted").to_pylist()
    outcome[:7] = [None] * 7
    partial = offers.set_column(1, "accepted", pa.array(outcome, pa.bool_()))
    assert training_data(features, NAMES, partial, AS_OF).without_outcome == 7
    all_yes = offers.set_column(1, "accepted", pa.array([True] * 300))
    with pytest.raises(ModelError, match=r"model\.one_outcome_only"):
        training_data(features, NAMES, all_yes, AS_OF)


def test_save_and_load(tmp_path: Path) -> None:
    model = train(data(), SMALL, now=NOW)
    folder = save_model(model, tmp_path)
    assert {"model.pkl", "metadata.json", "booster.txt"} <= {p.name for p in folder.iterdir()}
    loaded = load_model(tmp_path)
    assert loaded.metadata == model.metadata
    frame = data().frame
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    with pytest.raises(ModelError, match=r"model\.no_model"):
        load_model(tmp_path / "elsewhere")
    with pytest.raises(ModelError, match=r"model\.features_missing"):
        model.predict(frame.drop(columns=["views_after"]))
