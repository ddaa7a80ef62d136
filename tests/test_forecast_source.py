from __future__ import annotations

import pytest

from fairfollow.errors import ForecastError
from fairfollow.forecast_source import ScoreTable, base_rate_of


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
