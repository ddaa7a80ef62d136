"""Model oversight: the current model's card, its fairness audit and its calibration, as
stored (read-only, no model loaded, no analysis library imported).

Training leaves ``models/<id>/holdout_audit.json`` (the audit on the calibration set held
out by member, and its reliability bins); ``fairfollow model evaluate`` leaves
``reports/evaluation-<season>-<id>.json`` (the audit on the current season against the
simulator's truth). The privacy officer's console shows the evaluation where there is one
and the held-out audit otherwise, and says which. A fairness row that fails the four-fifths
rule (29 CFR 1607.4(D)) carries ``passes_four_fifths = False`` from the audit itself; one
without two groups large enough to compare carries ``assessable = False`` (neither).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fairfollow.errors import ModelError
from fairfollow.model.runs import ModelRun, model_runs
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.model.fairness import FairnessAudit
    from fairfollow.model.metrics import ReliabilityCurve

HOLDOUT_AUDIT = "holdout_audit.json"
CARD_FILE = "MODEL_CARD.md"
MODEL_CURVE = "model, fixed bins"  # the curve of the evaluation report the page draws
METRICS = ("count", "observed_rate", "mean_predicted", "auc", "brier", "log_loss", "ece")


@dataclass(frozen=True)
class GroupRow:
    group: str
    count: int
    auc: float | None
    brier: float | None
    mean_predicted: float | None
    observed_rate: float | None
    flag_rate: float | None


@dataclass(frozen=True)
class AttributeRow:
    attribute: str
    impact_ratio: float | None
    passes_four_fifths: bool
    max_calibration_gap: float | None
    groups: tuple[GroupRow, ...]
    assessable: bool = True  # audits stored before small groups were set aside say nothing
    small_groups: tuple[str, ...] = ()
    min_group: int | None = None  # offers a group needs to count in the ratio


@dataclass(frozen=True)
class CurvePoint:
    mean_predicted: float
    observed_rate: float
    count: int


@dataclass(frozen=True)
class Audit:
    """One stored audit of the model: on the held-out set or on a season against truth."""

    source: str  # "evaluation" or "holdout"
    season: int
    file: str
    fairness: tuple[AttributeRow, ...]
    reliability: tuple[CurvePoint, ...]
    model: Mapping[str, float | None]  # METRICS of the model's scores (evaluation only)
    oracle: Mapping[str, float | None]  # the same of the true probabilities (evaluation)
    lift_ratio: float | None

    @property
    def failing(self) -> tuple[str, ...]:
        """The attributes whose impact ratio fails the four-fifths rule."""
        return tuple(
            a.attribute for a in self.fairness if a.assessable and not a.passes_four_fifths
        )

    @property
    def unassessed(self) -> tuple[str, ...]:
        """The attributes without two groups large enough to compare."""
        return tuple(a.attribute for a in self.fairness if not a.assessable)


@dataclass(frozen=True)
class Oversight:
    model: ModelRun | None
    card: str | None  # the model card's Markdown
    audit: Audit | None
    truth_available: bool  # a simulated season's truth the model can be evaluated against


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ModelError("model.report_not_object", where=where)
    return value


def _fairness(data: object, where: str) -> tuple[AttributeRow, ...]:
    rows = []
    for attribute, raw in _mapping(data, where).items():
        entry = _mapping(raw, f"{where}: {attribute}")
        groups = _mapping(entry.get("groups"), f"{where}: {attribute} groups")
        rows.append(
            AttributeRow(
                attribute=str(attribute),
                impact_ratio=_float(entry.get("impact_ratio")),
                passes_four_fifths=entry.get("passes_four_fifths") is True,
                max_calibration_gap=_float(entry.get("max_calibration_gap")),
                assessable=entry.get("assessable", True) is not False,
                small_groups=tuple(str(g) for g in _list(entry.get("small_groups"))),
                min_group=_whole(entry.get("min_group")),
                groups=tuple(
                    GroupRow(
                        group=str(name),
                        count=int(_float(g.get("count")) or 0),
                        auc=_float(g.get("auc")),
                        brier=_float(g.get("brier")),
                        mean_predicted=_float(g.get("mean_predicted")),
                        observed_rate=_float(g.get("observed_rate")),
                        flag_rate=_float(g.get("flag_rate")),
                    )
                    for name, g in (
                        (n, _mapping(v, f"{where}: {attribute} {n}")) for n, v in groups.items()
                    )
                ),
            )
        )
    return tuple(rows)


def _curve(data: object, where: str) -> tuple[CurvePoint, ...]:
    if not isinstance(data, list):
        raise ModelError("model.report_bins_missing", where=where)
    points = []
    for raw in data:
        b = _mapping(raw, where)
        predicted, observed = _float(b.get("mean_predicted")), _float(b.get("observed_rate"))
        if predicted is None or observed is None:
            raise ModelError("model.report_bin_rates_missing", where=where)
        points.append(CurvePoint(predicted, observed, int(_float(b.get("count")) or 0)))
    return tuple(points)


def _read(path: Path) -> Mapping[str, object]:
    try:
        return _mapping(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError) as exc:
        raise ModelError("model.report_unreadable", path=str(path), reason=str(exc)) from exc


def write_holdout_audit(
    folder: Path, season: int, fairness: FairnessAudit, curve: ReliabilityCurve
) -> Path:
    """Store the training-time audit beside the model, for the console to read."""
    path = folder / HOLDOUT_AUDIT
    payload = {"season": season, "fairness": fairness.to_json(), "reliability": curve.to_json()}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _evaluation(reports_dir: Path, model_id: str) -> Audit | None:
    found = sorted(
        reports_dir.glob(f"evaluation-*-{model_id}.json"), key=lambda p: p.stat().st_mtime
    )
    if not found:
        return None
    path = found[-1]
    data = _read(path)
    curves = _mapping(data.get("reliability"), f"{path}: reliability")
    metrics = {k: _float(data.get(k)) for k in METRICS}
    oracle = {k: _float(data.get(f"oracle_{k}")) for k in METRICS if f"oracle_{k}" in data}
    return Audit(
        source="evaluation",
        season=int(_float(data.get("season")) or 0),
        file=path.name,
        fairness=_fairness(data.get("fairness"), str(path)),
        reliability=_curve(curves.get(MODEL_CURVE), f"{path}: {MODEL_CURVE}"),
        model=metrics,
        oracle=oracle,
        lift_ratio=_float(data.get("lift_ratio")),
    )


def _holdout(folder: Path, run: ModelRun) -> Audit | None:
    path = folder / HOLDOUT_AUDIT
    if not path.is_file():
        return None
    data = _read(path)
    return Audit(
        source="holdout",
        season=int(_float(data.get("season")) or (run.season or 0)),
        file=f"{folder.name}/{HOLDOUT_AUDIT}",
        fairness=_fairness(data.get("fairness"), str(path)),
        reliability=_curve(data.get("reliability"), str(path)),
        model=dict(run.holdout),
        oracle={},
        lift_ratio=None,
    )


def oversight(workspace: Workspace) -> Oversight:
    """The current model, its card and its latest stored audit (evaluation first)."""
    origin = workspace.origin()
    truth = origin is not None and origin.truth_offers.is_file()
    current = next((r for r in model_runs(workspace.models_dir) if r.current), None)
    if current is None:
        return Oversight(None, None, None, truth)
    folder = workspace.models_dir / current.model_id
    card_path = folder / CARD_FILE
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else None
    audit = _evaluation(workspace.reports_dir, current.model_id) or _holdout(folder, current)
    return Oversight(current, card, audit, truth)
