"""The analysts' pipeline end to end on a small simulated season."""

from __future__ import annotations

import json

import pytest

from fairfollow.errors import ModelError
from fairfollow.model.analysis import (
    backtest_season,
    build_season_features,
    evaluate_season,
    forecast_date,
    hiring_plans,
    train_season_model,
)
from fairfollow.model.booster import SENSITIVE_ATTRIBUTES, TrainingParams
from fairfollow.model.evaluation import JSON_KEYS
from tests.model_data import NOW
from tests.season_data import SmallSeason, small_season

pytestmark = pytest.mark.slow
PARAMS = TrainingParams(n_estimators=80, learning_rate=0.08)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> SmallSeason:
    built = small_season(tmp_path_factory.mktemp("analysis"), students=1500, seed=5)
    for year in (2019, 2020):
        run = build_season_features(built.workspace, built.employers, year)
        # Every offer row is either matched or counted by reason; none vanish.
        assert run.offers.offers == run.build.table.num_rows > 100
        assert run.build.partner_data_used
    return built


def test_train_evaluate_backtest(season: SmallSeason) -> None:
    trained = train_season_model(season.workspace, 2019, PARAMS, now=NOW)
    meta = trained.model.metadata
    assert set(meta.feature_names).isdisjoint(SENSITIVE_ATTRIBUTES)
    assert (trained.folder / "MODEL_CARD.md").read_text().count("## Fairness audit") == 1
    assert json.loads((trained.folder / "metadata.json").read_text())["model_id"] == meta.model_id
    report = evaluate_season(season.workspace, season.truth, 2020)
    payload = report.as_json()
    assert tuple(payload) == JSON_KEYS
    assert report.truth_unmatched == 0
    assert 0.7 < report.oracle.auc < 0.95
    assert report.model.auc > 0.5
    card = (trained.folder / "MODEL_CARD.md").read_text()
    assert "oracle (true p), season 2020" in card and "Lift ratio" in card
    backtest = backtest_season(season.workspace, season.truth, 2020, seeds=(0,))
    assert backtest.figure("employer", 0.9).pools == len(backtest.employer_pools) > 20
    assert sum(p.offers for p in backtest.employer_pools) == report.model.count


def test_hiring_plans_reach_their_targets(season: SmallSeason) -> None:
    train_season_model(season.workspace, 2019, PARAMS, now=NOW)
    plans = hiring_plans(season.workspace, uplift=0.1, confidence=0.9, pools=2)
    assert len(plans) == 2 and plans[0].offers >= plans[1].offers
    for plan in plans:
        assert plan.target > plan.expected
        assert plan.plan.additional_offers > 0
        assert plan.plan.probability_reached >= 0.9


def test_defect_c_keeps_ad_only_partner_data_out(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("defect-c")
    built = small_season(root, students=300, seed=6, defects=frozenset({"c"}))
    run = build_season_features(built.workspace, built.employers, 2020)
    assert not run.build.partner_data_used
    assert all("APPI Art. 18(1)" in d.reason for d in run.build.partners)
    assert not any(name.startswith("partner") for name in run.build.feature_names)


def test_same_seed_same_metrics(season: SmallSeason) -> None:
    reports = []
    for _ in range(2):
        train_season_model(season.workspace, 2019, PARAMS, now=NOW)
        reports.append(evaluate_season(season.workspace, season.truth, 2020).as_json())
    assert reports[0] == reports[1]


def test_unknown_season_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown season"):
        forecast_date(2031)
