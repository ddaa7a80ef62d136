"""The models trained in a workspace and the evaluations written for them (read-only).

Each training run leaves ``models/<model_id>/metadata.json`` (season, rows, held-out
metrics); ``models/current`` names the one in use; ``fairfollow model evaluate`` and
``forecast backtest`` leave JSON reports in ``reports/``. This module lists them for the
analyst's and the privacy officer's consoles; it loads no model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fairfollow.errors import ModelError

CURRENT_POINTER = "current"  # as in fairfollow.model.booster


@dataclass(frozen=True)
class ModelRun:
    model_id: str
    season: int | None
    created_at: str
    train_rows: int | None
    calibration: str
    holdout: dict[str, float]
    current: bool


@dataclass(frozen=True)
class Report:
    """One JSON report in ``reports/`` (an evaluation or a backtest)."""

    name: str
    kind: str  # "evaluation", "backtest" or "report"
    data: dict[str, object]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def model_runs(models_dir: Path) -> list[ModelRun]:
    """Every trained model, newest first; the current one marked."""
    pointer = models_dir / CURRENT_POINTER
    current = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""
    runs = []
    for meta in sorted(models_dir.glob("*/metadata.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError("model.report_unreadable", path=str(meta), reason=str(exc)) from exc
        holdout = data.get("holdout") if isinstance(data.get("holdout"), dict) else {}
        season, rows = data.get("season"), data.get("train_rows")
        runs.append(
            ModelRun(
                str(data.get("model_id", meta.parent.name)),
                int(season) if isinstance(season, int | str) and str(season).isdigit() else None,
                str(data.get("created_at", "")),
                int(rows) if isinstance(rows, int) else None,
                str(data.get("calibration_method", "")),
                {k: v for k, v in ((k, _number(v)) for k, v in holdout.items()) if v is not None},
                meta.parent.name == current,
            )
        )
    return sorted(runs, key=lambda r: r.created_at, reverse=True)


def reports(reports_dir: Path) -> list[Report]:
    """The JSON reports, by name."""
    found = []
    for path in sorted(reports_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError("model.report_unreadable", path=str(path), reason=str(exc)) from exc
        if isinstance(data, dict):
            kind = next((k for k in ("evaluation", "backtest") if k in path.name), "report")
            found.append(Report(path.stem, kind, data))
    return found
