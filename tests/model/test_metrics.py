"""Scores against hand-computed values and the known behaviour of calibrated predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.metrics import (
    BinStrategy,
    auc,
    brier,
    expected_calibration_error,
    lift_ratio,
    logarithmic_loss,
    plot_reliability,
    reliability_curve,
    score,
)


def test_hand_computed_scores() -> None:
    y = [1, 0, 1, 0]
    p = [0.8, 0.4, 0.6, 0.2]
    assert auc(y, p) == 1.0
    assert brier(y, p) == pytest.approx((0.04 + 0.16 + 0.16 + 0.04) / 4)
    expected = -np.mean(np.log([0.8, 0.6, 0.6, 0.8]))
    assert logarithmic_loss(y, p) == pytest.approx(expected)
    assert auc([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1]) == 0.0
    assert np.isnan(auc([1, 1], [0.2, 0.3]))


def test_fixed_bins_hand_computed() -> None:
    y = [1, 0, 1, 1]
    p = [0.05, 0.05, 0.95, 1.0]
    curve = reliability_curve(y, p, n_bins=10, strategy=BinStrategy.FIXED)
    assert [b.count for b in curve.bins] == [2, 2]  # p = 1.0 falls in the last bin
    assert curve.bins[0].observed_rate == 0.5
    assert curve.bins[1].mean_predicted == pytest.approx(0.975)
    assert curve.ece == pytest.approx((2 * 0.45 + 2 * 0.025) / 4)


def test_adaptive_bins_have_equal_counts() -> None:
    rng = np.random.default_rng(1)
    p = rng.beta(2, 5, 1000)
    y = rng.random(1000) < p
    curve = reliability_curve(y, p, n_bins=10, strategy=BinStrategy.ADAPTIVE)
    assert [b.count for b in curve.bins] == [100] * 10
    assert all(a.upper <= b.lower for a, b in zip(curve.bins, curve.bins[1:], strict=False))


def test_calibrated_predictions_have_small_ece_and_shifted_ones_do_not() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, 200_000)
    y = rng.random(p.size) < p
    for strategy in BinStrategy:
        assert expected_calibration_error(y, p, strategy=strategy) < 0.01
        shifted = np.clip(p + 0.1, 0, 1)
        assert expected_calibration_error(y, shifted, strategy=strategy) > 0.08


def test_score_bundles_everything() -> None:
    rng = np.random.default_rng(4)
    p = rng.uniform(size=500)
    y = (rng.random(500) < p).astype(int)
    result = score(y, p)
    assert result.count == 500
    assert result.auc == pytest.approx(auc(y, p))
    assert result.ece_adaptive == pytest.approx(
        expected_calibration_error(y, p, strategy=BinStrategy.ADAPTIVE)
    )
    assert 0.5 < result.auc < 1.0


def test_lift_ratio() -> None:
    assert lift_ratio(0.75, 0.8) == pytest.approx(0.25 / 0.3)
    with pytest.raises(ModelError):
        lift_ratio(0.7, 0.5)


@pytest.mark.parametrize(
    ("y", "p"),
    [([1, 0], [0.5]), ([], []), ([2, 0], [0.5, 0.5]), ([1, 0], [1.2, 0.1]), ([1], [np.nan])],
)
def test_bad_input_raises(y: list[float], p: list[float]) -> None:
    with pytest.raises(ModelError):
        score(y, p)


def test_plot_reliability_writes_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(size=300)
    y = rng.random(300) < p
    curves = {
        "model": reliability_curve(y, p),
        "oracle": reliability_curve(y, p, strategy=BinStrategy.ADAPTIVE),
    }
    path = plot_reliability(curves, tmp_path / "deep" / "reliability.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
