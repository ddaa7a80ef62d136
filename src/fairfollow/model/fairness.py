"""The fairness audit: scores per group of a sensitive attribute, and the four-fifths check.

Sensitive attributes (gender, university tier, region) are collected at registration for
this audit only; they are never model features. The audit uses fairlearn's MetricFrame to
compute, per group: AUC, Brier score, mean predicted and observed acceptance, and the rate
at which an internal threshold flag ("likely to decline": p < threshold) fires.

Four-fifths rule (US EEOC Uniform Guidelines, 29 CFR 1607.4(D)): a selection rate for any
group below four fifths of the highest group's rate is evidence of adverse impact. A flag
can act in either direction (follow-up for the flagged, or for the others), so the impact
ratio is the smaller of the ratios for the flagged and the unflagged rates.

Small groups (29 CFR 1607.4(D): "greater differences in selection rate may not constitute
adverse impact where the differences are based on small numbers"): a group with fewer than
:data:`MIN_GROUP_FOR_RATIO` offers is reported with its figures but left out of the impact
ratio, where a handful of people would decide it. An attribute with fewer than two groups
that large is *not assessable*: neither a pass nor a fail, and said so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from numpy.typing import ArrayLike, NDArray

from fairfollow.errors import ModelError
from fairfollow.model.metrics import auc, brier

FOUR_FIFTHS = 0.8
MIN_GROUP_FOR_RATIO = 30  # offers in a group before its flag rate counts (see above)
DEFAULT_FLAG_THRESHOLD = 0.5
UNKNOWN_GROUP = "unknown"


@dataclass(frozen=True)
class GroupAudit:
    group: str
    count: int
    auc: float
    brier: float
    mean_predicted: float
    observed_rate: float
    flag_rate: float


@dataclass(frozen=True)
class AttributeAudit:
    attribute: str
    flag_threshold: float
    groups: tuple[GroupAudit, ...]
    impact_ratio: float  # NaN when not assessable
    min_group: int = MIN_GROUP_FOR_RATIO

    @property
    def small_groups(self) -> tuple[str, ...]:
        """The groups too small to count in the impact ratio."""
        return tuple(g.group for g in self.groups if g.count < self.min_group)

    @property
    def assessable(self) -> bool:
        """Two or more groups large enough to compare."""
        return len(self.groups) - len(self.small_groups) >= 2

    @property
    def passes_four_fifths(self) -> bool:
        """Assessable and at or above four fifths (an unassessable attribute never passes)."""
        return self.assessable and self.impact_ratio >= FOUR_FIFTHS

    @property
    def max_calibration_gap(self) -> float:
        """Largest |mean predicted − observed| over groups: miscalibration for a group."""
        return max(abs(g.mean_predicted - g.observed_rate) for g in self.groups)


@dataclass(frozen=True)
class FairnessAudit:
    attributes: tuple[AttributeAudit, ...]

    def attribute(self, name: str) -> AttributeAudit:
        for found in self.attributes:
            if found.attribute == name:
                return found
        raise KeyError(name)

    def to_json(self) -> dict[str, object]:
        """``{attribute: {impact_ratio, passes_four_fifths, …, groups: {group: {…}}}}``."""
        return {
            a.attribute: {
                "flag_threshold": a.flag_threshold,
                "impact_ratio": _finite_or_none(a.impact_ratio),
                "passes_four_fifths": a.passes_four_fifths,
                "assessable": a.assessable,
                "min_group": a.min_group,
                "small_groups": list(a.small_groups),
                "max_calibration_gap": _finite_or_none(a.max_calibration_gap),
                "groups": {
                    g.group: {k: _finite_or_none(v) for k, v in asdict(g).items() if k != "group"}
                    for g in a.groups
                },
            }
            for a in self.attributes
        }


def _finite_or_none(value: float) -> float | None:
    # JSON has no NaN: a group with a single class has no AUC.
    return float(value) if np.isfinite(value) else None


def impact_ratio(rates: Sequence[float]) -> float:
    """Lowest rate over highest rate; 1.0 when no group is selected at all."""
    values = np.asarray(rates, dtype=np.float64)
    if values.size == 0:
        raise ModelError("model.no_groups")
    top = float(values.max())
    return 1.0 if top == 0.0 else float(values.min()) / top


def _mean_predicted(y_true: NDArray[np.float64], p: NDArray[np.float64]) -> float:
    return float(np.mean(p))


def _observed_rate(y_true: NDArray[np.float64], p: NDArray[np.float64]) -> float:
    return float(np.mean(y_true))


def _count(y_true: NDArray[np.float64], p: NDArray[np.float64]) -> int:
    return len(y_true)


def audit_attribute(
    name: str,
    y_true: ArrayLike,
    p: ArrayLike,
    groups: ArrayLike,
    flag_threshold: float = DEFAULT_FLAG_THRESHOLD,
    min_group: int = MIN_GROUP_FOR_RATIO,
) -> AttributeAudit:
    """Per-group scores of predictions ``p`` for one sensitive attribute; the impact ratio
    over the groups of at least ``min_group`` offers (NaN when fewer than two are)."""
    y = np.asarray(y_true, dtype=np.float64).ravel()
    q = np.asarray(p, dtype=np.float64).ravel()
    labels = pd.Series(np.asarray(groups, dtype=object).ravel()).fillna(UNKNOWN_GROUP).astype(str)
    if not (y.size == q.size == labels.size) or y.size == 0:
        raise ModelError("model.audit_lengths", attribute=name)
    flagged = (q < flag_threshold).astype(np.float64)
    frame = MetricFrame(
        metrics={
            "count": _count,
            "auc": auc,
            "brier": brier,
            "mean_predicted": _mean_predicted,
            "observed_rate": _observed_rate,
        },
        y_true=y,
        y_pred=q,
        sensitive_features=labels.rename(name),
    )
    flag_rates = pd.Series(flagged).groupby(labels.to_numpy()).mean()
    by_group = frame.by_group
    audits = tuple(
        GroupAudit(
            group=str(group),
            count=int(row["count"]),
            auc=float(row["auc"]),
            brier=float(row["brier"]),
            mean_predicted=float(row["mean_predicted"]),
            observed_rate=float(row["observed_rate"]),
            flag_rate=float(flag_rates[group]),
        )
        for group, row in by_group.iterrows()
    )
    rates = [g.flag_rate for g in audits if g.count >= min_group]
    ratio = (
        min(impact_ratio(rates), impact_ratio([1.0 - r for r in rates]))
        if len(rates) >= 2
        else float("nan")
    )
    return AttributeAudit(name, flag_threshold, audits, ratio, min_group)


def audit(
    y_true: ArrayLike,
    p: ArrayLike,
    attributes: Mapping[str, ArrayLike],
    flag_threshold: float = DEFAULT_FLAG_THRESHOLD,
) -> FairnessAudit:
    """The audit over every named attribute (e.g. gender, university_tier, region)."""
    return FairnessAudit(
        tuple(
            audit_attribute(name, y_true, p, groups, flag_threshold)
            for name, groups in attributes.items()
        )
    )
