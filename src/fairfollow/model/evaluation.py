"""Evaluation of the model on the current season against the simulator's ground truth.

The one place allowed to read ``truth/offers.parquet`` (given as an explicit path): each
scored offer is joined to its true acceptance probability and outcome by (season, member,
company). The model is scored beside the oracle (the true probabilities), whose AUC is the
ceiling behaviour can reach: lift ratio = (AUC − 0.5) / (oracle AUC − 0.5). A model AUC
above the oracle's means leakage or a bug and is flagged. The fairness audit reads
``member_attributes`` (gender, university tier, region) for that purpose only.

JSON keys (stable): season, model_id, count, truth_unmatched, observed_rate,
mean_predicted, auc, brier, log_loss, ece, ece_adaptive, oracle_auc, oracle_brier,
oracle_log_loss, oracle_ece, oracle_ece_adaptive, lift_ratio, model_above_oracle,
reliability_png, fairness, reliability (the bins of each curve in the PNG).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fairfollow.errors import ModelError
from fairfollow.model.booster import SENSITIVE_ATTRIBUTES, TrainedModel
from fairfollow.model.fairness import FairnessAudit, audit
from fairfollow.model.metrics import (
    BinStrategy,
    ReliabilityCurve,
    ScoreMetrics,
    lift_ratio,
    plot_reliability,
    reliability_curve,
    score,
)

TRUTH_COLUMNS = ("season", "member_id", "company_id", "p_accept", "accepted")
JSON_KEYS = (
    "season", "model_id", "count", "truth_unmatched", "observed_rate", "mean_predicted",
    "auc", "brier", "log_loss", "ece", "ece_adaptive", "oracle_auc", "oracle_brier",
    "oracle_log_loss", "oracle_ece", "oracle_ece_adaptive", "lift_ratio",
    "model_above_oracle", "reliability_png", "fairness", "reliability",
)  # fmt: skip


@dataclass(frozen=True)
class EvaluationReport:
    season: int
    model_id: str
    truth_unmatched: int
    model: ScoreMetrics
    oracle: ScoreMetrics
    lift_ratio: float
    fairness: FairnessAudit
    curves: dict[str, ReliabilityCurve]
    reliability_png: str | None = None

    @property
    def model_above_oracle(self) -> bool:
        """True only where no honest model can be: leakage or a bug."""
        return self.model.auc > self.oracle.auc

    def as_json(self) -> dict[str, object]:
        m, o = self.model, self.oracle
        payload: dict[str, object] = {
            "season": self.season,
            "model_id": self.model_id,
            "count": m.count,
            "truth_unmatched": self.truth_unmatched,
            "observed_rate": m.observed_rate,
            "mean_predicted": m.mean_predicted,
            "auc": m.auc,
            "brier": m.brier,
            "log_loss": m.log_loss,
            "ece": m.ece,
            "ece_adaptive": m.ece_adaptive,
            "oracle_auc": o.auc,
            "oracle_brier": o.brier,
            "oracle_log_loss": o.log_loss,
            "oracle_ece": o.ece,
            "oracle_ece_adaptive": o.ece_adaptive,
            "lift_ratio": self.lift_ratio,
            "model_above_oracle": self.model_above_oracle,
            "reliability_png": self.reliability_png,
            "fairness": self.fairness.to_json(),
            "reliability": {name: curve.to_json() for name, curve in self.curves.items()},
        }
        assert tuple(payload) == JSON_KEYS
        return payload


def read_truth_offers(path: Path) -> pa.Table:
    """The simulator's truth about offers, from an explicit path (never discovered)."""
    if not path.is_file():
        raise ModelError("model.no_truth_file", path=str(path))
    table = pq.read_table(path)
    missing = [c for c in TRUTH_COLUMNS if c not in table.column_names]
    if missing:
        raise ModelError("model.truth_columns_missing", path=str(path), columns=missing)
    return table.select(list(TRUTH_COLUMNS))


def scored_offers(model: TrainedModel, features: pa.Table) -> pd.DataFrame:
    """Key columns and the model's probability ``p_model`` of every offer in ``features``."""
    frame = features.to_pandas()
    out: pd.DataFrame = frame.loc[:, ["offer_id", "season", "member_id", "company_id"]].copy()
    out["p_model"] = model.predict(frame)
    return out


def join_truth(scored: pd.DataFrame, truth: pa.Table) -> tuple[pd.DataFrame, int]:
    """Scored offers with ``p_accept`` and ``accepted``; and how many found no truth row."""
    known = truth.to_pandas()
    known["season"] = known["season"].astype(int)
    keyed = scored.astype({"season": int, "member_id": "int64", "company_id": "int64"})
    known = known.astype({"member_id": "int64", "company_id": "int64"})
    joined = keyed.merge(
        known, on=["season", "member_id", "company_id"], how="left", validate="one_to_one"
    )
    unmatched = int(joined["p_accept"].isna().sum())
    return joined[joined["p_accept"].notna()].reset_index(drop=True), unmatched


def evaluate(
    model: TrainedModel,
    features: pa.Table,
    truth: pa.Table,
    attributes: pa.Table,
    *,
    n_bins: int = 10,
    flag_threshold: float = 0.5,
) -> EvaluationReport:
    """Score the model and the oracle on ``features``' offers and audit it by group."""
    seasons = set(features.column("season").to_pylist())
    if len(seasons) != 1:
        raise ModelError("model.seasons_mixed", seasons=sorted(seasons))
    joined, unmatched = join_truth(scored_offers(model, features), truth)
    if joined.empty:
        raise ModelError("model.no_truth_rows")
    y = joined["accepted"].astype(int).to_numpy()
    p = joined["p_model"].to_numpy()
    oracle_p = joined["p_accept"].astype(float).to_numpy()
    model_scores = score(y, p, n_bins)
    oracle_scores = score(y, oracle_p, n_bins)
    groups = attributes.to_pandas().drop_duplicates("member_id").set_index("member_id")
    by_member = groups.reindex(joined["member_id"].to_numpy())
    audit_groups = {a: by_member[a].astype("string").to_numpy() for a in SENSITIVE_ATTRIBUTES}
    return EvaluationReport(
        season=int(seasons.pop()),
        model_id=model.metadata.model_id,
        truth_unmatched=unmatched,
        model=model_scores,
        oracle=oracle_scores,
        lift_ratio=lift_ratio(model_scores.auc, oracle_scores.auc),
        fairness=audit(y, p, audit_groups, flag_threshold),
        curves={
            "model, fixed bins": reliability_curve(y, p, n_bins, BinStrategy.FIXED),
            "model, adaptive bins": reliability_curve(y, p, n_bins, BinStrategy.ADAPTIVE),
            "oracle (true p), fixed bins": reliability_curve(y, oracle_p, n_bins),
        },
    )


def write_evaluation(report: EvaluationReport, reports_dir: Path) -> EvaluationReport:
    """Write the reliability diagram (PNG) and the JSON report; return it with the PNG path."""
    stem = f"evaluation-{report.season}-{report.model_id}"
    png = plot_reliability(
        report.curves,
        reports_dir / f"{stem}.png",
        f"Offer acceptance, season {report.season}: reliability",
    )
    done = replace(report, reliability_png=str(png))
    (reports_dir / f"{stem}.json").write_text(
        json.dumps(done.as_json(), indent=2, sort_keys=True, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    return done
