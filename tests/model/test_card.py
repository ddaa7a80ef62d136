"""The model card states intended and forbidden use, metrics and the fairness table."""

from __future__ import annotations

import numpy as np

from fairfollow.model.booster import holdout_frame, train, training_data
from fairfollow.model.card import FORBIDDEN_USE, INTENDED_USE, fairness_table, render
from fairfollow.model.fairness import audit
from tests.model_data import AS_OF, NAMES, NOW, SMALL, synthetic


def test_card_sections_and_tables() -> None:
    features, offers = synthetic(2000, seed=2)
    data = training_data(features, NAMES, offers, AS_OF)
    model = train(data, SMALL, now=NOW)
    held = holdout_frame(model, data)
    groups = np.where(held["member_id"].to_numpy() % 2 == 0, "F", "M")
    fairness = audit(held["accepted"].astype(int), held["p_model"], {"gender": groups})
    card = render(model.metadata, fairness)
    assert card.startswith(f"# Model card: {model.metadata.model_id}")
    for heading in ("## Intended use", "## Forbidden use", "## Training", "## Metrics",
                    "## Fairness audit, season 2019 (held out)"):  # fmt: skip
        assert heading in card
    assert INTENDED_USE in card and FORBIDDEN_USE in card
    assert "No individual probability" in FORBIDDEN_USE
    assert model.metadata.data_fingerprint in card
    assert f"{model.metadata.holdout.auc:.4f}" in card
    rows = fairness_table(fairness)
    assert len(rows) == 2 + 2  # header, rule, one row per group
    assert all(row in card for row in rows)
    assert "gender" not in ", ".join(model.metadata.feature_names)
