"""Scores of probabilistic predictions: discrimination, calibration and the reliability diagram.

AUC, Brier score and log loss come from scikit-learn. The expected calibration error (ECE)
is the count-weighted mean gap between the mean prediction and the observed rate in bins,
with fixed-width bins over [0, 1] or adaptive (equal-count) bins over the sorted
predictions; adaptive bins keep every bin populated where predictions cluster.
The diagram is drawn with matplotlib's Agg canvas, never pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from fairfollow.errors import ModelError

DEFAULT_BINS = 10
# Log loss is infinite at 0 or 1; clip as scikit-learn used to.
_EPS = 1e-15


class BinStrategy(StrEnum):
    FIXED = "fixed"
    ADAPTIVE = "adaptive"


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class ReliabilityCurve:
    strategy: BinStrategy
    bins: tuple[ReliabilityBin, ...]

    def to_json(self) -> list[dict[str, float | int]]:
        """The bins as JSON rows (the web's reliability diagram reads them back)."""
        return [
            {
                "lower": b.lower,
                "upper": b.upper,
                "count": b.count,
                "mean_predicted": b.mean_predicted,
                "observed_rate": b.observed_rate,
            }
            for b in self.bins
        ]

    @property
    def ece(self) -> float:
        total = sum(b.count for b in self.bins)
        gaps = sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in self.bins)
        return gaps / total if total else float("nan")


@dataclass(frozen=True)
class ScoreMetrics:
    """Every score of one set of predictions against outcomes."""

    count: int
    observed_rate: float
    mean_predicted: float
    auc: float
    brier: float
    log_loss: float
    ece: float
    ece_adaptive: float


def _arrays(y_true: ArrayLike, p: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y = np.asarray(y_true, dtype=np.float64).ravel()
    q = np.asarray(p, dtype=np.float64).ravel()
    if y.shape != q.shape:
        raise ModelError("model.score_lengths", outcomes=int(y.size), predictions=int(q.size))
    if y.size == 0:
        raise ModelError("model.no_predictions")
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise ModelError("model.outcomes_not_binary")
    if not np.all(np.isfinite(q)) or q.min() < 0.0 or q.max() > 1.0:
        raise ModelError("model.predictions_not_probabilities")
    return y, q


def auc(y_true: ArrayLike, p: ArrayLike) -> float:
    """ROC AUC; NaN when only one class is present (a group with no contrast)."""
    y, q = _arrays(y_true, p)
    if y.min() == y.max():
        return float("nan")
    return float(roc_auc_score(y, q))


def brier(y_true: ArrayLike, p: ArrayLike) -> float:
    y, q = _arrays(y_true, p)
    return float(brier_score_loss(y, q))


def logarithmic_loss(y_true: ArrayLike, p: ArrayLike) -> float:
    y, q = _arrays(y_true, p)
    return float(log_loss(y, np.clip(q, _EPS, 1.0 - _EPS), labels=[0.0, 1.0]))


def reliability_curve(
    y_true: ArrayLike,
    p: ArrayLike,
    n_bins: int = DEFAULT_BINS,
    strategy: BinStrategy = BinStrategy.FIXED,
) -> ReliabilityCurve:
    """Bins of predictions with their mean prediction and observed rate (empty bins left out)."""
    if n_bins < 1:
        raise ModelError("model.bins_too_few", bins=n_bins)
    y, q = _arrays(y_true, p)
    if strategy is BinStrategy.FIXED:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        # Right-closed last bin so that p = 1 lands in it.
        index = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, n_bins - 1)
        groups = [np.flatnonzero(index == b) for b in range(n_bins)]
        bounds = [(float(edges[b]), float(edges[b + 1])) for b in range(n_bins)]
    else:
        order = np.argsort(q, kind="stable")
        groups = list(np.array_split(order, min(n_bins, q.size)))
        bounds = [(float(q[g].min()), float(q[g].max())) for g in groups]
    bins = tuple(
        ReliabilityBin(lo, hi, int(g.size), float(q[g].mean()), float(y[g].mean()))
        for g, (lo, hi) in zip(groups, bounds, strict=True)
        if g.size
    )
    return ReliabilityCurve(strategy, bins)


def expected_calibration_error(
    y_true: ArrayLike,
    p: ArrayLike,
    n_bins: int = DEFAULT_BINS,
    strategy: BinStrategy = BinStrategy.FIXED,
) -> float:
    return reliability_curve(y_true, p, n_bins, strategy).ece


def score(y_true: ArrayLike, p: ArrayLike, n_bins: int = DEFAULT_BINS) -> ScoreMetrics:
    """All scores of predictions ``p`` against 0/1 outcomes."""
    y, q = _arrays(y_true, p)
    return ScoreMetrics(
        count=int(y.size),
        observed_rate=float(y.mean()),
        mean_predicted=float(q.mean()),
        auc=auc(y, q),
        brier=brier(y, q),
        log_loss=logarithmic_loss(y, q),
        ece=expected_calibration_error(y, q, n_bins, BinStrategy.FIXED),
        ece_adaptive=expected_calibration_error(y, q, n_bins, BinStrategy.ADAPTIVE),
    )


def lift_ratio(model_auc: float, oracle_auc: float) -> float:
    """(model AUC − 0.5) / (oracle AUC − 0.5): the share of attainable discrimination reached."""
    if not oracle_auc > 0.5:
        raise ModelError("model.oracle_auc_too_low", auc=oracle_auc)
    return (model_auc - 0.5) / (oracle_auc - 0.5)


def plot_reliability(curves: Mapping[str, ReliabilityCurve], path: Path, title: str) -> Path:
    """Write a reliability diagram (PNG): one line per named curve, the diagonal, counts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 6.5), dpi=110)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect")
    for name, curve in curves.items():
        xs = [b.mean_predicted for b in curve.bins]
        ys = [b.observed_rate for b in curve.bins]
        top.plot(xs, ys, marker="o", label=f"{name}: ECE {curve.ece:.3f}")
        bottom.bar(
            [(b.lower + b.upper) / 2 for b in curve.bins],
            [b.count for b in curve.bins],
            width=[max(b.upper - b.lower, 0.01) for b in curve.bins],
            alpha=0.4,
            label=name,
        )
    top.set_ylabel("observed acceptance rate")
    top.set_title(title)
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.legend(loc="upper left", fontsize="small")
    bottom.set_xlabel("predicted acceptance probability")
    bottom.set_ylabel("offers")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
