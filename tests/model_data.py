"""Synthetic offers with features and outcomes for model tests (not a test module)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from fairfollow.model.booster import TrainingParams
from fairfollow.model.features import feature_specs

NOW = datetime(2019, 7, 20, tzinfo=UTC)
AS_OF = datetime(2018, 7, 15, tzinfo=UTC)
NAMES = tuple(s.name for s in feature_specs(False))
SMALL = TrainingParams(n_estimators=60, learning_rate=0.1)


def synthetic(
    rows: int = 3000, seed: int = 0, *, season: int = 2019, shared_members: bool = True
) -> tuple[pa.Table, pa.Table]:
    """Features and outcomes (with the true ``p_accept``): a logistic of two features."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(size=rows) for name in NAMES})
    frame["offer_industry"] = rng.integers(1, 6, rows).astype(float)
    members = rng.integers(0, rows // 2, rows) if shared_members else np.arange(rows)
    keys = pd.DataFrame(
        {
            "offer_id": [f"o{i:05d}" for i in range(rows)],
            "member_id": members.astype(np.int64),
            "company_id": rng.integers(1, 8, rows).astype(np.int32),
            "industry_id": rng.integers(1, 6, rows).astype(np.int16),
            "season": np.full(rows, season, dtype=np.int16),
        }
    )
    logit = 1.5 * frame["company_view_share_after"] - 1.0 * frame["offer_reports_other"]
    p_accept = 1 / (1 + np.exp(-logit))
    accepted = rng.random(rows) < p_accept
    features = pa.Table.from_pandas(pd.concat([keys, frame], axis=1), preserve_index=False)
    offers = pa.table({"offer_id": keys["offer_id"], "accepted": accepted, "p_accept": p_accept})
    return features, offers
