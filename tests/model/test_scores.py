from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc
import pytest

from fairfollow.errors import ForecastError
from fairfollow.model.booster import train, training_data
from fairfollow.model.evaluation import scored_offers
from fairfollow.model.scores import ModelScores, ScoreTable, base_rate_of
from tests.model_data import AS_OF, NAMES, NOW, SMALL, synthetic


def test_score_table_answers_only_for_members_it_knows() -> None:
    table = ScoreTable(0.5, "test", {("E0001", 1): 0.9, ("E0002", 2): 0.1})
    assert table.probabilities("E0001", [1, 2, 3]) == {1: 0.9}
    assert ScoreTable(0.5, "t", default=0.3).probabilities("E9", [4]) == {4: 0.3}


def test_base_rate() -> None:
    assert base_rate_of([True, False, True, True]) == 0.75
    with pytest.raises(ForecastError):
        base_rate_of([])
    with pytest.raises(ForecastError):
        ScoreTable(1.5, "bad")


def test_model_scores_answer_only_for_the_members_named() -> None:
    # The door asks after its consent filter: nobody else's behaviour may be scored.
    features, offers = synthetic(1200, 0, shared_members=False)
    model = train(training_data(features, NAMES, offers, AS_OF), SMALL, now=NOW)
    seen: list[int] = []

    class Recording:
        """The real model, noting whose rows it is asked to score."""

        def predict(self, frame: pd.DataFrame) -> object:
            seen.extend(int(m) for m in frame["member_id"])
            return model.predict(frame)

    source = ModelScores(features, Recording(), 0.5, "test")  # type: ignore[arg-type]
    pool = features.filter(pc.equal(features["company_id"], 3))
    members = [int(m) for m in pool["member_id"].to_pylist()]
    asked = members[: len(members) // 2]
    scores = source.probabilities("E0003", asked)
    assert set(scores) == set(asked)
    assert set(seen) == set(asked)  # no one else's behaviour was read
    every = scored_offers(model, pool)
    expected = dict(zip(every["member_id"], every["p_model"], strict=True))
    assert all(abs(scores[m] - expected[m]) < 1e-12 for m in asked)
    assert source.probabilities("E0003", [10_000_000]) == {}
