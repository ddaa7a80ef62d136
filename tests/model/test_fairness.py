"""The fairness audit on small hand-built populations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.fairness import audit, audit_attribute, impact_ratio
from fairfollow.model.metrics import auc, brier


def test_per_group_figures_match_direct_computation() -> None:
    rng = np.random.default_rng(11)
    n = 2000
    gender = rng.choice(["F", "M", "X"], n, p=[0.48, 0.48, 0.04])
    p = rng.uniform(0.1, 0.9, n)
    y = (rng.random(n) < p).astype(int)
    result = audit_attribute("gender", y, p, gender)
    assert [g.group for g in result.groups] == ["F", "M", "X"]
    for g in result.groups:
        mask = gender == g.group
        assert g.count == mask.sum()
        assert g.auc == pytest.approx(auc(y[mask], p[mask]))
        assert g.brier == pytest.approx(brier(y[mask], p[mask]))
        assert g.mean_predicted == pytest.approx(p[mask].mean())
        assert g.observed_rate == pytest.approx(y[mask].mean())
        assert g.flag_rate == pytest.approx((p[mask] < 0.5).mean())
    assert result.passes_four_fifths
    assert result.max_calibration_gap < 0.1


def test_four_fifths_flags_a_skewed_threshold_flag() -> None:
    # Group "a" gets low predictions (flagged 90%), group "b" high ones (flagged 10%).
    groups = np.array(["a"] * 40 + ["b"] * 40)
    p = np.array(([0.2] * 9 + [0.8]) * 4 + ([0.8] * 9 + [0.2]) * 4)
    y = np.array([0, 1] * 40)
    result = audit_attribute("tier", y, p, groups, flag_threshold=0.5)
    flagged = {g.group: g.flag_rate for g in result.groups}
    assert flagged == {"a": pytest.approx(0.9), "b": pytest.approx(0.1)}
    assert result.impact_ratio == pytest.approx(0.1 / 0.9)
    assert not result.passes_four_fifths


def test_impact_ratio() -> None:
    assert impact_ratio([0.4, 0.5]) == pytest.approx(0.8)
    assert impact_ratio([0.0, 0.0]) == 1.0
    with pytest.raises(ModelError):
        impact_ratio([])


def test_missing_group_and_single_class_group_serialise_to_json() -> None:
    groups = np.array(["1", "1", "2", "2", None], dtype=object)
    y = np.array([1, 0, 1, 1, 0])
    p = np.array([0.7, 0.2, 0.6, 0.9, 0.4])
    result = audit(y, p, {"university_tier": groups})
    payload = result.to_json()
    tier = payload["university_tier"]
    assert isinstance(tier, dict)
    assert set(tier["groups"]) == {"1", "2", "unknown"}
    assert tier["groups"]["2"]["auc"] is None  # one class only: no AUC
    json.dumps(payload, allow_nan=False)
    assert result.attribute("university_tier").groups[0].count == 2


def test_length_mismatch_raises() -> None:
    with pytest.raises(ModelError):
        audit_attribute("region", [1, 0], [0.5, 0.5], ["x"])


def test_a_small_group_is_shown_but_does_not_decide_the_ratio() -> None:
    # Two large groups flagged alike; three people in "X", all flagged.
    groups = np.array(["F"] * 50 + ["M"] * 50 + ["X"] * 3)
    p = np.array([0.3, 0.7] * 50 + [0.1] * 3)
    y = np.array([0, 1] * 50 + [0] * 3)
    result = audit_attribute("gender", y, p, groups)
    assert [g.group for g in result.groups] == ["F", "M", "X"]  # X is still reported
    assert result.small_groups == ("X",) and result.assessable
    assert result.impact_ratio == pytest.approx(1.0) and result.passes_four_fifths
    counted = audit_attribute("gender", y, p, groups, min_group=1)
    assert counted.impact_ratio == 0.0 and not counted.passes_four_fifths  # nobody in X unflagged


def test_an_attribute_without_two_large_groups_is_not_assessable_and_never_passes() -> None:
    groups = np.array(["1"] * 60 + ["2"] * 5)
    p = np.array([0.3, 0.7] * 30 + [0.6] * 5)
    y = np.array([0, 1] * 30 + [1] * 5)
    result = audit(y, p, {"university_tier": groups})
    tier = result.attribute("university_tier")
    assert not tier.assessable and not tier.passes_four_fifths
    assert tier.impact_ratio != tier.impact_ratio  # NaN
    payload = result.to_json()["university_tier"]
    assert isinstance(payload, dict)
    assert payload["assessable"] is False and payload["impact_ratio"] is None
    assert payload["small_groups"] == ["2"] and payload["min_group"] == 30
    json.dumps(result.to_json(), allow_nan=False)
