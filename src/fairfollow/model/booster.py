"""The offer-acceptance model: LightGBM across employers, calibrated on held-out members.

Trained on the previous season's client offers with the outcomes their employers reported,
from features cut at that season's forecast date; used on the current season at its own
forecast date. That season boundary is the time-aware split: nothing of the season being
forecast reaches training. Within the training season every feature is cut at the same
as-of time and every outcome comes after it, so the held-out calibration set is drawn by
member (all offers of a member on one side), never by offer.

Calibration: scikit-learn's CalibratedClassifierCV around the frozen booster
(sklearn.frozen.FrozenEstimator), isotonic where the held-out set is large enough for a
step function, sigmoid (Platt) below that.

Sensitive attributes are never features; training refuses a feature list naming one. The
model's probabilities are internal: no individual score leaves the platform.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from fairfollow.errors import ModelError, NotReadyError
from fairfollow.model.backtest import Widening, estimate_widening
from fairfollow.model.features import CATEGORICAL, KEY_COLUMNS
from fairfollow.model.metrics import ScoreMetrics, score

# Collected at registration for the fairness audit only (fairness.py); never a feature.
SENSITIVE_ATTRIBUTES = ("gender", "university_tier", "region")
LIBRARIES = ("lightgbm", "scikit-learn", "numpy", "pandas", "pyarrow", "ibis-framework", "duckdb")


@dataclass(frozen=True)
class TrainingParams:
    """Everything that decides the fitted model besides the data."""

    seed: int = 0
    n_estimators: int = 300
    learning_rate: float = 0.03
    num_leaves: int = 15
    min_child_samples: int = 40
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    calibration_share: float = 0.2
    # Isotonic regression needs many points per step; below this, Platt's sigmoid.
    isotonic_from: int = 10_000
    # One thread by default: OpenMP spin-waiting on a shared 2-core machine costs 10x.
    threads: int = 1

    def lightgbm(self) -> dict[str, Any]:
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": 1,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "random_state": self.seed,
            "n_jobs": self.threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }


@dataclass(frozen=True)
class TrainingData:
    """Features and outcomes of the offers a model is trained on."""

    frame: pd.DataFrame  # key columns, feature columns and ``accepted``
    feature_names: tuple[str, ...]
    season: int
    as_of: datetime
    without_outcome: int  # offers whose employer reported no outcome (kept out, counted)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the training rows (keys, features, outcome), order-independent."""
        ordered = self.frame.sort_values("offer_id").reset_index(drop=True)
        hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
        return hashlib.sha256(hashed.tobytes()).hexdigest()


@dataclass(frozen=True)
class ModelMetadata:
    """What reproduces the model: data fingerprint, features, parameters, seed, versions."""

    model_id: str
    created_at: str
    season: int
    as_of: str
    data_fingerprint: str
    feature_names: tuple[str, ...]
    categorical: tuple[str, ...]
    params: TrainingParams
    calibration_method: str
    train_rows: int
    calibration_rows: int
    without_outcome: int
    library_versions: dict[str, str]
    holdout: ScoreMetrics
    widening: Widening

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class TrainedModel:
    estimator: CalibratedClassifierCV
    metadata: ModelMetadata

    def predict(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated acceptance probabilities for rows holding the model's features."""
        missing = [f for f in self.metadata.feature_names if f not in frame.columns]
        if missing:
            raise ModelError("model.features_missing", features=list(missing))
        x = frame.loc[:, list(self.metadata.feature_names)]
        return np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=np.float64)


def check_features(names: tuple[str, ...]) -> None:
    """Refuse any sensitive attribute (or a key column) as a feature: fail closed."""
    lowered = {n.lower() for n in names}
    banned = sorted(lowered & set(SENSITIVE_ATTRIBUTES + KEY_COLUMNS))
    if banned:
        raise ModelError("model.features_banned", features=list(banned))


def training_data(
    features: pa.Table, feature_names: tuple[str, ...], offers: pa.Table, as_of: datetime
) -> TrainingData:
    """Join features with the employers' reported outcomes; offers without one are counted."""
    check_features(feature_names)
    frame = features.to_pandas()
    outcomes = offers.select(["offer_id", "accepted"]).to_pandas()
    frame = frame.merge(outcomes, on="offer_id", how="left", validate="one_to_one")
    missing = int(frame["accepted"].isna().sum())
    frame = frame[frame["accepted"].notna()].copy()
    if frame.empty or frame["accepted"].nunique() < 2:
        raise ModelError("model.one_outcome_only")
    frame["accepted"] = frame["accepted"].astype(bool)
    seasons = frame["season"].unique()
    if len(seasons) != 1:
        raise ModelError("model.seasons_mixed", seasons=sorted(seasons))
    return TrainingData(frame, feature_names, int(seasons[0]), as_of, missing)


def holdout_mask(member_ids: NDArray[np.int64], share: float, seed: int) -> NDArray[np.bool_]:
    """Members drawn into the held-out set (all of each member's offers together)."""
    members = np.unique(member_ids)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(members, size=max(1, round(share * members.size)), replace=False)
    return np.isin(member_ids, chosen)


def train(data: TrainingData, params: TrainingParams, *, now: datetime) -> TrainedModel:
    """Fit the booster on most members and calibrate it on the held-out rest."""
    check_features(data.feature_names)
    frame = data.frame.sort_values("offer_id").reset_index(drop=True)
    held = holdout_mask(frame["member_id"].to_numpy(), params.calibration_share, params.seed)
    x = frame.loc[:, list(data.feature_names)]
    y = frame["accepted"].astype(int).to_numpy()
    if y[held].min() == y[held].max() or y[~held].min() == y[~held].max():
        raise ModelError("model.too_few_for_holdout")
    categorical = [c for c in CATEGORICAL if c in data.feature_names]
    booster = lgb.LGBMClassifier(**params.lightgbm())
    booster.fit(x[~held], y[~held], categorical_feature=categorical)
    method = "isotonic" if int(held.sum()) >= params.isotonic_from else "sigmoid"
    calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method=method)
    calibrated.fit(x[held], y[held])
    holdout = score(y[held], calibrated.predict_proba(x[held])[:, 1])
    # What the pool forecasts' intervals must add for errors shared within a pool.
    widening = estimate_widening(
        frame["company_id"].to_numpy().astype(np.int64),
        np.asarray(calibrated.predict_proba(x)[:, 1], dtype=np.float64),
        held,
    )
    fingerprint = data.fingerprint
    metadata = ModelMetadata(
        model_id=f"acceptance-{data.season}-{fingerprint[:10]}-seed{params.seed}",
        created_at=now.isoformat(),
        season=data.season,
        as_of=data.as_of.isoformat(),
        data_fingerprint=fingerprint,
        feature_names=data.feature_names,
        categorical=tuple(categorical),
        params=params,
        calibration_method=method,
        train_rows=int((~held).sum()),
        calibration_rows=int(held.sum()),
        without_outcome=data.without_outcome,
        library_versions={name: version(name) for name in LIBRARIES},
        holdout=holdout,
        widening=widening,
    )
    return TrainedModel(calibrated, metadata)


def holdout_frame(model: TrainedModel, data: TrainingData) -> pd.DataFrame:
    """The held-out rows of ``data`` with the model's probability (for audits and cards)."""
    frame = data.frame.sort_values("offer_id").reset_index(drop=True)
    params = model.metadata.params
    held = holdout_mask(frame["member_id"].to_numpy(), params.calibration_share, params.seed)
    out = frame.loc[held].copy()
    out["p_model"] = model.predict(out)
    return out


def booster_of(model: TrainedModel) -> lgb.LGBMClassifier:
    """The fitted LightGBM model inside the calibration wrapper."""
    fitted: lgb.LGBMClassifier = model.estimator.estimator.estimator
    return fitted


CURRENT_POINTER = "current"


def save_model(model: TrainedModel, models_dir: Path) -> Path:
    """Write the model, its metadata (JSON) and booster text; point ``current`` at it."""
    folder = models_dir / model.metadata.model_id
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "model.pkl").open("wb") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    (folder / "metadata.json").write_text(
        json.dumps(model.metadata.as_dict(), indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    booster_of(model).booster_.save_model(str(folder / "booster.txt"))
    (models_dir / CURRENT_POINTER).write_text(model.metadata.model_id + "\n", encoding="utf-8")
    return folder


def load_model(models_dir: Path, model_id: str | None = None) -> TrainedModel:
    """A saved model (the current one by default). Workspace files only: pickle is trusted."""
    pointer = models_dir / CURRENT_POINTER
    if model_id is None:
        if not pointer.exists():
            raise NotReadyError("model.no_model", path=str(models_dir))
        model_id = pointer.read_text(encoding="utf-8").strip()
    path = models_dir / model_id / "model.pkl"
    if not path.exists():
        raise NotReadyError("model.model_not_found", model=model_id, path=str(models_dir))
    with path.open("rb") as handle:
        model = pickle.load(handle)
    if not isinstance(model, TrainedModel):
        raise ModelError("model.not_a_model", path=str(path))
    return model
